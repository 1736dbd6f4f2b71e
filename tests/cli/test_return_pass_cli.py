"""`kiosk return-pass issue|use` through the real command (the rules are tested on both backends
in tests/service/test_return_passes.py): the codes with where and until when they serve, and
each refusal in one line, exit 2."""

from __future__ import annotations

import datetime as dt
import sqlite3

from kiosk import french
from tests.cli.runner import Kiosk, make_env, one_line


def test_codes_for_the_unserved_then_one_comes_back_first(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))
    kiosk("init")
    kiosk("stopover", "open", "--stop", "ducos-bourg", "--half", "morning")
    kiosk("ticket", "take", "caf-rsa")
    kiosk("ticket", "take", "autre")
    kiosk("stopover", "close")
    passes = kiosk.json("return-pass", "issue")["passes"]
    assert [(p["number"], p["procedure"]) for p in passes] == [(1, "caf-rsa"), (2, "autre")]
    assert passes[0]["next_passage"]["commune"] == "Ducos"

    # the morning just closed is not reopened by default: a separate act, said in one line
    again = kiosk("stopover", "open", "--stop", "ducos-bourg", "--half", "morning", expect=2)
    assert one_line(again).startswith("kiosk: Cette demi-journée (Ducos – Bourg, place de la "
                                      "mairie, ")
    assert one_line(again).endswith("Pour la rouvrir : « --reopen ».")
    kiosk("stopover", "open", "--stop", "ducos-bourg", "--half", "afternoon")
    back = kiosk("return-pass", "use", passes[0]["code"].lower())
    assert back.stdout.startswith("Ticket prioritaire n° 1 (caf-rsa)")  # the afternoon's first
    again = kiosk("return-pass", "use", passes[0]["code"], expect=2)
    assert "déjà servi" in again.stderr and again.stdout == ""


def test_a_code_elsewhere_expired_or_guessed_is_refused_in_one_line(tmp_path):
    env = make_env(tmp_path, None)
    kiosk = Kiosk(env)
    kiosk("init")
    kiosk("stopover", "open", "--stop", "ducos-bourg", "--half", "morning")
    kiosk("ticket", "take", "caf-rsa")
    kiosk("ticket", "take", "autre")
    kiosk("stopover", "close")
    first, second = kiosk.json("return-pass", "issue")["passes"]
    given = dt.date.fromisoformat(first["issued_at"][:10])
    assert dt.date.fromisoformat(first["valid_until"]) == given + dt.timedelta(weeks=8)
    until = french.day_and_date(dt.date.fromisoformat(first["valid_until"]))
    listed = kiosk("return-pass", "issue").stdout
    assert "valables dans cette commune seulement :" in listed
    assert f"code {first['code']}, valable jusqu'au {until}" in listed

    kiosk("stopover", "open", "--stop", "marin-bourg", "--half", "morning")
    assert one_line(kiosk("return-pass", "use", first["code"], expect=2)) == \
        f"kiosk: Ce code est valable à Ducos jusqu'au {until}, pas au Marin."
    kiosk("stopover", "close")

    # a code given last winter: the command's clock is the machine's, so the pass is aged in
    # the file rather than the clock moved
    with sqlite3.connect(tmp_path / "data" / "kiosk.sqlite3") as db:
        db.execute("UPDATE return_passes SET valid_until = '2026-01-08' WHERE code = ?",
                   (second["code"],))
    kiosk("stopover", "open", "--stop", "ducos-bourg", "--half", "afternoon")
    assert one_line(kiosk("return-pass", "use", second["code"], expect=2)) == \
        "kiosk: Ce code a expiré : il était valable jusqu'au jeudi 8 janvier 2026."
    wrong = [c for c in ("ACDEFG", "ACDEFH", "ACDEFJ") if c not in (first["code"], second["code"])]
    assert one_line(kiosk("return-pass", "use", wrong[0], expect=2)) == \
        f"kiosk: Code de retour inconnu « {wrong[0]} » : vérifiez les lettres sur le ticket."
    assert one_line(kiosk("return-pass", "use", wrong[1], expect=2)) == (
        f"kiosk: Code de retour inconnu « {wrong[1]} » : vérifiez les lettres sur le ticket. "
        "3 codes refusés de suite : attendez 5 secondes avant d'essayer un autre code.")


def test_the_commune_takes_its_article_au_marin_not_a_le_marin(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))
    kiosk("init")
    kiosk("stopover", "open", "--stop", "marin-bourg", "--half", "morning")
    kiosk("ticket", "take", "autre")
    kiosk("stopover", "close")
    listed = kiosk("return-pass", "issue").stdout
    assert "prioritaires au prochain passage au Marin (" in listed, listed
    assert "à Le Marin" not in listed
