"""`kiosk finish` refuses a redirected demande without its partner: exit 2, one line, nothing
written; a listed partner's id is recorded by its label."""

from __future__ import annotations

from tests.cli.runner import Kiosk, make_env


def test_finish_redirected_needs_a_partner(tmp_path, database_url):
    kiosk = Kiosk(make_env(tmp_path, database_url))
    kiosk("init")
    kiosk("stopover", "open", "--stop", "ducos-bourg", "--half", "morning")
    kiosk("ticket", "take", "caf-rsa")
    kiosk("call", "--desk", "1")
    refused = kiosk("finish", "1", "--outcome", "redirected", expect=2)
    assert refused.stderr.strip().splitlines() == [
        "kiosk: Demande 1 : partenaire manquant (orientée vers qui ?)."]
    assert refused.stdout == ""
    assert kiosk.json("queue")["called"][0]["number"] == 1, "nothing written"
    done = kiosk.json("finish", "1", "--outcome", "redirected", "--partner", "caf")
    assert done["demandes"] == 1
