"""`kiosk return-pass issue|use` through the real command (the rules are tested on both backends
in tests/service/test_return_passes.py)."""

from __future__ import annotations

from tests.cli.runner import Kiosk, make_env


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

    kiosk("stopover", "open", "--stop", "ducos-bourg", "--half", "morning")
    back = kiosk("return-pass", "use", passes[0]["code"].lower())
    assert back.stdout.startswith("Ticket prioritaire n° 3 (caf-rsa)")
    again = kiosk("return-pass", "use", passes[0]["code"], expect=2)
    assert "déjà servi" in again.stderr and again.stdout == ""
