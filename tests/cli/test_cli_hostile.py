"""The command line as a clumsy or hostile user drives it: every refusal is exit 2 and one line
on stderr, never a traceback, and nothing is written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from tests.cli.runner import Kiosk, folder_state, make_env, one_line

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


# every date option of the command line, each with a date outside the bus's calendar
OUT_OF_CALENDAR = [
    (("stats", "--year", "0001"), "--year"),
    (("stats", "--month", "0001-01"), "--month"),
    (("stats", "--quarter", "2101-T1"), "--quarter"),
    (("stats", "--from", "0001-01-01", "--to", "0001-02-01"), "--from"),
    (("stats", "--from", "2026-01-01", "--to", "9999-12-31"), "--to"),
    (("feedback", "--year", "1999"), "--year"),
    (("export", "--year", "0001", "--format", "csv", "--out", "{out}/r.csv"), "--year"),
    (("export", "--from", "01/01/0001", "--format", "pdf", "--out", "{out}/r.pdf"), "--from"),
    (("seed-history", "--visits", "10", "--from", "0001-01-03", "--to", "0001-01-31"), "--from"),
    (("seed-history", "--visits", "10", "--to", "2101-01-01"), "--to"),
    (("itinerary", "plan", "--from", "0001-01-01", "--to", "2026-01-31", "--out",
      "{out}/schedule.yaml"), "--from"),
    (("itinerary", "export", "--format", "ics", "--from", "2101-01-01", "--out", "{out}/b.ics"),
     "--from"),
    (("itinerary", "review", "--from", "2026-01-01", "--to", "2101-01-01"), "--to"),
    (("panels", "check", "--day", "0001-01-01"), "--day"),
]


@pytest.mark.parametrize(("args", "option"), OUT_OF_CALENDAR)
def test_dates_outside_the_bus_calendar_are_refused_naming_the_option(kiosk, tmp_path, args,
                                                                      option):
    out = tmp_path / "out"
    out.mkdir()
    before = kiosk.json("queue")["revision"]
    err = one_line(kiosk(*(a.format(out=out) for a in args), expect=2))
    assert f"argument {option}: «" in err, err
    assert err.endswith("année hors du calendrier du bus (2000 à 2100)"), err
    assert list(out.iterdir()) == [] and kiosk.json("queue")["revision"] == before


# every command that writes the file named by --out: its arguments, the extension of its format
# and one that contradicts it
OUT_COMMANDS = {
    "export": (("export", "--year", "2026", "--format", "csv"), "csv", "pdf"),
    "checklist": (("checklist", "caf-rsa", "--format", "a4"), "pdf", "png"),
    "itinerary export": (("itinerary", "export", "--format", "ics", "--from", "2027-01-01"),
                         "ics", "pdf"),
    "itinerary plan": (("itinerary", "plan", "--from", "2027-01-04", "--to", "2027-01-31"),
                       "yaml", "csv"),
}


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_a_file_already_there_is_replaced_only_with_force(kiosk, tmp_path, command):
    args, extension, _other = OUT_COMMANDS[command]
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"tableau.{extension}"
    target.write_bytes(b"the coordinator's spreadsheet")
    before = folder_state(out)
    err = one_line(kiosk(*args, "--out", str(target), expect=2))
    assert err == f"kiosk: {target} existe déjà : ajoutez --force pour le remplacer", err
    assert folder_state(out) == before
    # with --force: a new file under the name (renamed into place, owner-only), no temporary
    kiosk(*args, "--out", str(target), "--force")
    info = target.lstat()
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
    assert target.read_bytes() != b"the coordinator's spreadsheet"
    assert info.st_ino != before[target.name][1]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_force_never_writes_over_anything_but_a_regular_file(kiosk, tmp_path, command):
    args, extension, _other = OUT_COMMANDS[command]
    out = tmp_path / "out"
    out.mkdir()
    (out / "vrai.txt").write_bytes(b"kept")
    os.mkfifo(out / f"tube.{extension}")
    (out / f"lien.{extension}").symlink_to(out / "vrai.txt")
    (out / f"perdu.{extension}").symlink_to(out / "absent.txt")  # a link pointing nowhere
    (out / f"dossier.{extension}").mkdir()
    before = folder_state(out)
    for name, words in ((f"tube.{extension}", "ce n'est pas un fichier ordinaire"),
                        (f"lien.{extension}", "c'est un lien symbolique"),
                        (f"perdu.{extension}", "c'est un lien symbolique"),
                        (f"dossier.{extension}", "c'est un dossier")):
        for force in ((), ("--force",)):
            err = one_line(kiosk(*args, "--out", str(out / name), *force, expect=2))
            assert err.startswith(f"kiosk: {out / name} : {words}"), (name, force, err)
    assert folder_state(out) == before


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_an_extension_that_contradicts_the_format_is_refused(kiosk, tmp_path, command):
    args, extension, other = OUT_COMMANDS[command]
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"rapport.{other.upper()}"
    err = one_line(kiosk(*args, "--out", str(target), expect=2))
    assert err == (f"kiosk: --out {target} : l'extension .{other.upper()} ne convient pas à un "
                   f"fichier {extension.upper()} (attendu : .{extension}"
                   + (" ou .yml)" if extension == "yaml" else ")")), err
    assert list(out.iterdir()) == []


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
