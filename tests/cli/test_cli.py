"""The `kiosk` command as scripts use it: real database, JSON contract. In-process (see
tests/cli/runner.py); the process contract itself is tested in test_process_contract.py, and
shells racing each other are real processes here."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kiosk.cli import build_parser
from tests.cli.runner import Kiosk, make_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kiosk(tmp_path, database_url) -> Kiosk:
    return Kiosk(make_env(tmp_path, database_url))


def test_a_morning_at_the_bus_through_the_command_line(kiosk):
    kiosk("init")
    opened = kiosk.json("stopover", "open", "--stop", "ducos-bourg", "--half", "morning")
    assert opened["stop"] == "ducos-bourg" and opened["half"] == "morning"
    first = kiosk.json("ticket", "take", "caf-aide-logement")
    # the keys of before keep their meaning; the estimate's honesty came as added keys
    assert {k: first[k] for k in ("number", "people_ahead", "wait_minutes")} == {
        "number": 1, "people_ahead": 0, "wait_minutes": [0, 5]}
    assert first["wait_known"] is False and first["desks_counted"] == 0  # no desk open yet
    assert first["closes_at"].endswith("T13:00") and isinstance(first["past_closing"], bool)
    second = kiosk.json("ticket", "take", "cgss-c2s")
    assert second["number"] == 2 and second["people_ahead"] == 1
    low, high = second["wait_minutes"]
    assert 0 < low < high
    urgent = kiosk.json("ticket", "take", "autre", "--priority")
    assert urgent["number"] == 3 and urgent["people_ahead"] == 0

    queue = kiosk.json("queue")
    assert [w["number"] for w in queue["waiting"]] == [3, 1, 2]
    assert set(queue["waiting"][0]) >= {"number", "procedure", "priority", "waited_seconds"}
    assert queue["stopover"]["stop"] == "ducos-bourg"

    assert kiosk.json("call", "--desk", "2") == {"number": 3, "desk": 2}
    assert kiosk.json("call", "--desk", "1") == {"number": 1, "desk": 1}
    assert kiosk.json("queue")["called"][0]["number"] in (1, 3)
    kiosk("finish", "3", "--outcome", "redirected", "--procedure", "cgss-c2s",
          "--procedure", "impots-declaration-revenus", "--partner", "CGSS",
          "--age-band", "75-plus", "--gender", "homme")
    kiosk("finish", "1", "--outcome", "solved")
    assert kiosk.json("call", "--desk", "1") == {"number": 2, "desk": 1}
    kiosk("absent", "2")
    nobody = kiosk("call", "--desk", "1", expect=3)
    assert nobody.stderr.strip() == "kiosk: Personne n'attend."
    # said as the kiosk says it: a short wait is "less than", never "0 à 5 min"
    last = kiosk("ticket", "take", "autre").stdout
    assert last.startswith("Ticket n° 4 (autre) : 0 personne(s) avant vous, attente de moins "
                           "de 5 min"), last  # then ", au-delà de la fermeture" after 12:55
    closed = kiosk.json("stopover", "close")
    assert (closed["served"], closed["unserved"]) == (2, 1)


def test_no_open_stopover_is_a_clear_error(kiosk):
    result = kiosk("ticket", "take", "autre", expect=2)
    assert "Aucune escale ouverte" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (("ticket", "take", "nope"), "Démarche inconnue : « nope »"),
    (("stopover", "open", "--stop", "atlantis"), "Arrêt inconnu : « atlantis »"),
    (("call", "--desk", "two"), "numéro de poste invalide « two » : un nombre entier"),
    (("finish", "1", "--outcome", "maybe"), "argument --outcome: invalid choice: 'maybe'"),
    (("call", "--desk", "9"), "Poste inconnu : 9."),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(kiosk, args, message):
    before = kiosk.json("queue")
    if args[0] == "call":
        kiosk("stopover", "open", "--stop", "ducos-bourg")
        before = kiosk.json("queue")
    result = kiosk(*args, expect=2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert kiosk.json("queue") == before


def test_commands_before_init_ask_for_init_and_create_nothing(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))
    result = kiosk("queue", expect=2)
    assert "kiosk init" in result.stderr
    assert not (tmp_path / "data").exists()


def test_init_is_idempotent(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))
    first = kiosk.json("init")
    assert kiosk.json("init") == first
    assert first["communes"] == 12 and first["procedures"] >= 24
    assert (tmp_path / "data" / "kiosk.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_broken_catalogue_gives_exit_2_naming_file_and_field(tmp_path):
    folder = tmp_path / "data" / "catalogue"
    folder.mkdir(parents=True)
    for path in (ROOT / "assets" / "catalogue").glob("*.yaml"):
        (folder / path.name).write_text(path.read_text("utf-8"), "utf-8")
    caf = folder / "caf.yaml"
    caf.write_text(caf.read_text("utf-8").replace("typical_minutes: ", "typical_minutes: x", 1),
                   "utf-8")
    kiosk = Kiosk(make_env(tmp_path, None))
    for args in (("catalogue", "check"), ("init",)):
        result = kiosk(*args, expect=2)
        assert re.search(r"caf\.yaml, ligne \d+ : démarche « caf-[a-z-]+ », champ "
                         r"« typical_minutes » : doit être un nombre entier", result.stderr)
    assert not (tmp_path / "data" / "kiosk.sqlite3").exists(), "nothing written"


def test_catalogue_check_on_a_path_and_list(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))
    assert "tout est valide" in kiosk("catalogue", "check", str(ROOT / "assets" / "catalogue")).stdout
    procedures = kiosk.json("catalogue", "list")
    assert len(procedures) >= 24
    assert set(procedures[0]) == {"id", "operator", "title"}
    missing = kiosk("catalogue", "check", str(tmp_path / "nowhere"), expect=2)
    assert "nowhere : fichier ou dossier introuvable" in missing.stderr


def test_itinerary_list(kiosk):
    communes = kiosk.json("itinerary", "list")
    assert len(communes) == 12
    ducos = next(c for c in communes if c["insee"] == "97207")
    assert ducos["name"] == "Ducos" and len(ducos["stops"]) >= 2
    assert set(ducos["stops"][0]) == {"id", "name"}


@pytest.mark.long
def test_several_shells_at_once(kiosk):
    # processes racing for the numbers; the opening too is a process: all read one clock, the
    # machine's (the in-process calls read the suite's Thursday, tests/cli/runner.py)
    kiosk = Kiosk(kiosk.env, subprocess=True)
    kiosk("stopover", "open", "--stop", "ducos-bourg")

    def take(_: int) -> int:
        return kiosk.json("ticket", "take", "autre")["number"]

    with ThreadPoolExecutor(4) as pool:
        numbers = list(pool.map(take, range(12)))
    assert sorted(numbers) == list(range(1, 13))

    def call(desk: int) -> int:
        return kiosk.json("call", "--desk", str(desk))["number"]

    with ThreadPoolExecutor(4) as pool:
        called = list(pool.map(call, (1, 2, 3, 4)))
    assert sorted(called) == [1, 2, 3, 4]


def _command_paths() -> list[str]:
    import argparse

    paths = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            paths.append(prefix)
            return
        for name, child in subs[0].choices.items():
            walk(child, f"{prefix} {name}")

    walk(build_parser(), "kiosk")
    return paths


@pytest.mark.parametrize("command", _command_paths())
def test_every_command_is_documented_in_the_readme(command):
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"`{command}" in readme or f"\n{command}" in readme or f"$ {command}" in readme, (
        f"README.md does not document `{command}`")
