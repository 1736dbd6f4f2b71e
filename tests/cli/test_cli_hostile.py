"""The command line as a clumsy or hostile user drives it: every refusal is exit 2 and one line
on stderr, never a traceback, and nothing is written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from tests.cli.runner import Kiosk, make_env, one_line

HUGE = "99999999999999999999"


@pytest.fixture
def kiosk(tmp_path, database_url) -> Kiosk:
    k = Kiosk(make_env(tmp_path, database_url))
    k("init")
    k("stopover", "open", "--stop", "ducos-bourg", "--half", "morning")
    return k


OUT_OF_RANGE = [
    ("call", "--desk", HUGE),
    ("call", "--desk", "1", "--number", "2147483648"),
    ("cancel", "2147483648"), ("recall", HUGE), ("start", HUGE), ("put-back", HUGE),
    ("absent", HUGE), ("finish", HUGE, "--outcome", "solved"), ("desk", "open", HUGE),
    ("cancel", "0"), ("cancel", "-3"), ("cancel", "douze"),
]


def test_numbers_out_of_range_are_refused_before_the_database(kiosk):
    before = kiosk.json("queue")["revision"]
    for args in OUT_OF_RANGE:
        err = one_line(kiosk(*args, expect=2))
        assert "entre 1 et 2147483647" in err or "nombre entier" in err, (args, err)
    assert kiosk.json("queue")["revision"] == before


def test_files_and_places_that_are_not_what_they_should_be(tmp_path, database_url):
    env = make_env(tmp_path, database_url)
    kiosk = Kiosk(env)
    kiosk("init")
    assert "dossier" in one_line(kiosk("checklist", "caf-rsa", "--out", str(tmp_path), expect=2))
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x", "utf-8")
    assert "pas un dossier" in one_line(Kiosk({**env, "KIOSK_DATA_DIR": str(a_file)})(
        "queue", expect=2))
    assert "non prise en charge" in one_line(Kiosk({**env, "KIOSK_DATABASE_URL": "mysql://u@h/db"})(
        "queue", expect=2))


def test_an_emptied_sqlite_file_is_not_rebuilt_silently(tmp_path):
    env = make_env(tmp_path, None)
    kiosk = Kiosk(env)
    kiosk("init")
    database = tmp_path / "data" / "kiosk.sqlite3"
    database.write_bytes(b"")
    assert "vide" in one_line(kiosk("queue", expect=2))
    assert database.stat().st_size == 0  # nothing rebuilt behind the coordinator's back


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path):
    env = make_env(tmp_path, None)
    Kiosk(env)("init")
    # a real process and a real pipe: the closed pipe, SIGPIPE and the interpreter's last flush
    shell = subprocess.run(
        f"set -o pipefail; {sys.executable} -m kiosk itinerary list | head -1",
        shell=True, executable="/bin/bash", env=env, capture_output=True, text=True, timeout=60)
    assert shell.returncode == 0, shell.stderr
    assert shell.stderr == "" and len(shell.stdout.splitlines()) == 1


def test_finishing_a_finished_ticket_says_so(kiosk):
    kiosk("ticket", "take", "caf-rsa")
    kiosk("call", "--desk", "1")
    kiosk("finish", "1", "--outcome", "solved")
    err = one_line(kiosk("finish", "1", "--outcome", "solved", expect=2))
    assert "n° 1" in err and "Pas de ticket" not in err, err


def test_a_write_refused_by_a_trigger_is_not_called_an_unreachable_database(kiosk):
    from tests.unit.test_dbtrouble import add_refusing_trigger

    add_refusing_trigger(kiosk.env["KIOSK_DATABASE_URL"])
    before = kiosk.json("queue")
    assert one_line(kiosk("ticket", "take", "caf-rsa", expect=1)) == (
        "kiosk: la base de données a refusé l'écriture (pas de ticket le dimanche)")
    assert kiosk.json("queue") == before


def test_a_server_out_of_reach_is_said_in_french_not_in_libpqs_english(tmp_path):
    from tests.unit.test_dbtrouble import closed_port

    port = closed_port()
    kiosk = Kiosk(make_env(tmp_path, f"postgresql://kiosk@127.0.0.1:{port}/kiosk"))
    assert one_line(kiosk("queue", expect=1)) == (
        f"kiosk: base de données inaccessible : connexion refusée par le serveur 127.0.0.1, "
        f"port {port} : PostgreSQL est-il démarré ?")


def test_an_open_data_dir_is_made_owner_only_and_the_first_command_says_so(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o755)  # as `mkdir` leaves it under the usual umask
    kiosk = Kiosk(make_env(tmp_path, None))
    first = kiosk("init")
    assert first.stderr == (f"dossier de données {data} : ouvert aux autres comptes (0755), "
                            "désormais réservé à son propriétaire (0700)\n")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert kiosk("queue").stderr == ""  # said once
