"""`kiosk staff-user` on SQLite and PostgreSQL, in-process with the PINs on stdin (never a
terminal there); the PIN prompt in real processes, through a pty."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from kiosk.core import staff
from kiosk.core.context import open_context
from kiosk.errors import WrongPin
from kiosk.system.config import Settings
from tests.cli.runner import Kiosk, Outcome, make_env, one_line

PIN = "48213"


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return make_env(tmp_path, database_url)


@pytest.fixture
def kiosk(env: dict[str, str]) -> Kiosk:
    return Kiosk(env)


def one_line_error(result: Outcome, text: str) -> None:
    assert text in one_line(result), result.stderr


def test_add_list_disable_with_pin_on_stdin(kiosk, tmp_path, database_url):
    added = kiosk.json("staff-user", "add", "Marie-Josée", "--role", "animatrice", "--pin-stdin",
                       stdin=f"{PIN}\n")
    assert added == {"id": added["id"], "name": "Marie-Josée", "role": "animatrice", "active": True}
    text = kiosk("staff-user", "add", "Coordination", "--role", "coordinator", "--pin-stdin",
                 stdin="24681357\n").stdout
    assert text.startswith("Compte créé : Coordination (coordinator)")

    listed = kiosk("staff-user", "list", "--json").stdout
    assert PIN not in listed and "scrypt" not in listed and "24681357" not in listed
    rows = json.loads(listed)
    assert [set(r) for r in rows] == [{"id", "name", "role", "active"}] * 2
    assert [(r["name"], r["role"], r["active"]) for r in rows] == [
        ("Coordination", "coordinator", True), ("Marie-Josée", "animatrice", True)]

    assert kiosk.json("staff-user", "disable", "Marie-Josée", "--as", "Coordination",
                      "--pin-stdin", stdin="24681357\n")["active"] is False
    rows = kiosk.json("staff-user", "list")
    assert [(r["name"], r["active"]) for r in rows] == [("Coordination", True), ("Marie-Josée", False)]
    assert "(désactivé)" in kiosk("staff-user", "list").stdout

    # the PIN given to the command is the one the console accepts
    ctx = open_context(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        assert staff.login(ctx, rows[0]["id"], "24681357").role == "coordinator"
    finally:
        ctx.dispose()


def test_enable_and_new_pin(kiosk, tmp_path, database_url):
    added = kiosk.json("staff-user", "add", "Nadia", "--role", "animatrice", "--pin-stdin",
                       stdin=f"{PIN}\n")
    kiosk("staff-user", "disable", "Nadia")
    assert kiosk("staff-user", "enable", "nadia").stdout.strip() == "Compte réactivé : Nadia."
    assert kiosk.json("staff-user", "list")[0]["active"] is True
    result = kiosk("staff-user", "pin", "Nadia", "--pin-stdin", stdin="97531\n")
    assert result.stdout.strip() == "Nouveau code PIN enregistré pour Nadia."
    assert "97531" not in result.stdout + result.stderr
    one_line_error(kiosk("staff-user", "pin", "Nadia", "--pin-stdin", stdin="12\n", expect=2),
                   "Code PIN invalide : il faut 4 à 8 chiffres.")
    one_line_error(kiosk("staff-user", "pin", "Personne", "--pin-stdin", stdin="97531\n",
                         expect=2), "Membre de l'équipe inconnu : « Personne »")
    ctx = open_context(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        assert staff.login(ctx, added["id"], "97531").staff_id == added["id"]
        with pytest.raises(WrongPin):
            staff.login(ctx, added["id"], PIN)
    finally:
        ctx.dispose()


@pytest.mark.parametrize("args, stdin, message", [
    (("--role", "boss", "--pin-stdin"), f"{PIN}\n", "argument --role: invalid choice: 'boss'"),
    (("--pin-stdin",), "123\n", "Code PIN invalide : il faut 4 à 8 chiffres."),
    (("--pin-stdin",), "123456789\n", "Code PIN invalide : il faut 4 à 8 chiffres."),
    (("--pin-stdin",), "12a4\n", "Code PIN invalide : il faut 4 à 8 chiffres."),
    (("--pin-stdin",), "", "Code PIN invalide : il faut 4 à 8 chiffres."),
])
def test_bad_add_is_one_line_exit_2_and_writes_nothing(kiosk, args, stdin, message):
    if "--role" not in args:
        args = ("--role", "animatrice", *args)
    result = kiosk("staff-user", "add", "Nadia", *args, stdin=stdin, expect=2)
    one_line_error(result, message)
    assert kiosk.json("staff-user", "list") == []


def test_duplicate_blank_and_unknown_names_are_refused(kiosk):
    kiosk("staff-user", "add", "Nadia", "--role", "animatrice", "--pin-stdin", stdin=f"{PIN}\n")
    one_line_error(kiosk("staff-user", "add", "nadia", "--role", "coordinator", "--pin-stdin",
                         stdin=f"{PIN}\n", expect=2), "« nadia » existe déjà")
    # a name that would look the same on the login screen: refused before the PIN is read
    one_line_error(kiosk("staff-user", "add", "NADİA", "--role", "animatrice", "--pin-stdin",
                         stdin="", expect=2), "« NADİA » ressemble trop à « Nadia »")
    one_line_error(kiosk("staff-user", "add", "  ", "--role", "animatrice", "--pin-stdin",
                         stdin=f"{PIN}\n", expect=2), "Nom invalide : le nom est vide.")
    one_line_error(kiosk("staff-user", "disable", "Personne", expect=2),
                   "Membre de l'équipe inconnu : « Personne »")
    assert [r["name"] for r in kiosk.json("staff-user", "list")] == ["Nadia"]


# ---------------------------------------------------------------- the PIN typed at a terminal


def _take_terminal() -> None:  # runs in the child, after setsid: the pty becomes its terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run_on_terminal(env: dict[str, str], args: list[str],
                    answers: list[tuple[str, str]]) -> tuple[int, str]:
    """Run `kiosk ARGS` on a pseudo-terminal; type each reply once its prompt shows up.
    Returns the exit code and everything the terminal displayed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", *args], env=env, stdin=slave,
                            stdout=slave, stderr=slave, start_new_session=True,
                            preexec_fn=_take_terminal)
    os.close(slave)
    shown = b""
    seen = 0
    pending = [(prompt.encode(), reply.encode()) for prompt, reply in answers]
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if pending and pending[0][0] in shown[seen:]:
                prompt, reply = pending.pop(0)
                seen = shown.index(prompt, seen) + len(prompt)
                os.write(master, reply)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert not pending, f"prompts never shown: {pending}; terminal showed {shown!r}"
    return code, shown.decode("utf-8", "replace")


def test_pin_typed_twice_without_echo(env, kiosk, tmp_path, database_url):
    code, shown = run_on_terminal(
        env, ["staff-user", "add", "Léa", "--role", "animatrice"],
        [("Code PIN (4 à 8 chiffres) : ", f"{PIN}\n"), ("Confirmez le code PIN : ", f"{PIN}\n")])
    assert code == 0, shown
    assert "Compte créé : Léa (animatrice)" in shown
    assert PIN not in shown, f"the PIN was echoed: {shown!r}"
    rows = kiosk.json("staff-user", "list")
    assert [(r["name"], r["role"]) for r in rows] == [("Léa", "animatrice")]
    ctx = open_context(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        assert staff.login(ctx, rows[0]["id"], PIN).name == "Léa"
    finally:
        ctx.dispose()


def test_two_different_pins_at_the_terminal_write_nothing(env, kiosk):
    code, shown = run_on_terminal(
        env, ["staff-user", "add", "Léa", "--role", "animatrice"],
        [("Code PIN (4 à 8 chiffres) : ", f"{PIN}\n"), ("Confirmez le code PIN : ", "48214\n")])
    assert code == 2, shown
    after_prompts = shown.rsplit("Confirmez le code PIN : ", 1)[1].strip()
    assert after_prompts == "kiosk: Les deux codes saisis sont différents : rien n'a été enregistré."
    assert PIN not in shown and "48214" not in shown
    assert kiosk.json("staff-user", "list") == []


def test_a_short_pin_at_the_terminal_is_refused_at_once(env, kiosk):
    code, shown = run_on_terminal(env, ["staff-user", "add", "Léa", "--role", "animatrice"],
                                  [("Code PIN (4 à 8 chiffres) : ", "12\n")])
    assert code == 2, shown
    assert "Confirmez" not in shown and "Code PIN invalide : il faut 4 à 8 chiffres." in shown
    assert kiosk.json("staff-user", "list") == []


# ---------------------------------------------------------------- who runs the command


def accounts(tmp_path: Path, database_url: str) -> list[tuple]:
    """Every column of every account (hash, counter, lock) and the event log's length."""
    from sqlalchemy import func, select

    from db.models import Event, Staff

    ctx = open_context(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        with ctx.read() as session:
            rows = sorted((r.id, r.name, r.role, r.active, r.pin_hash, r.failed_attempts,
                           r.locked_until) for r in session.scalars(select(Staff)))
            return [*rows, ("events", session.scalar(select(func.count()).select_from(Event)))]
    finally:
        ctx.dispose()


COORD_PIN = "2468"
CHANGES = [
    (("add", "Léa", "--role", "coordinator"), True),
    (("disable", "Nadia"), False),
    (("enable", "Nadia"), False),
    (("pin", "Nadia"), True),
]


@pytest.fixture
def team(kiosk):
    """An animatrice created freely, then the first coordinator, created freely too."""
    kiosk("staff-user", "add", "Nadia", "--role", "animatrice", "--pin-stdin", stdin=f"{PIN}\n")
    kiosk("staff-user", "add", "Josiane", "--role", "coordinator", "--pin-stdin",
          stdin=f"{COORD_PIN}\n")
    return kiosk


@pytest.mark.parametrize("args, new_pin", CHANGES)
def test_account_changes_need_a_coordinator_and_her_pin(team, tmp_path, database_url, args,
                                                        new_pin):
    kiosk = team
    before = accounts(tmp_path, database_url)
    new = "97531\n" if new_pin else ""
    one_line_error(kiosk("staff-user", *args, "--pin-stdin", stdin=new, expect=2),
                   "Un compte de coordination existe : indiquez qui fait ce changement avec "
                   "« --as NOM »")
    one_line_error(kiosk("staff-user", *args, "--as", "Nadia", "--pin-stdin",
                         stdin=f"{PIN}\n{new}", expect=2), "Action réservée à la coordination")
    one_line_error(kiosk("staff-user", *args, "--as", "Personne", "--pin-stdin",
                         stdin=f"{COORD_PIN}\n{new}", expect=2),
                   "Membre de l'équipe inconnu : « Personne »")
    one_line_error(kiosk("staff-user", *args, "--as", "Josiane", "--pin-stdin", stdin="",
                         expect=2), "Code PIN invalide")
    assert accounts(tmp_path, database_url) == before  # nothing written, not even an attempt
    one_line_error(kiosk("staff-user", *args, "--as", "Josiane", "--pin-stdin",
                         stdin=f"1357\n{new}", expect=2),
                   "Code incorrect : encore 4 essais avant le blocage.")
    after = accounts(tmp_path, database_url)
    assert after[:-1] == [r if r[1] != "Josiane" else (*r[:5], 1, None) for r in before[:-1]]
    assert after[-1][1] == before[-1][1] + 1  # only the failed attempt's trace

    if args[0] == "enable":
        kiosk("staff-user", "disable", "Nadia", "--as", "Josiane", "--pin-stdin",
              stdin=f"{COORD_PIN}\n")
    result = kiosk("staff-user", *args, "--as", "josiane", "--pin-stdin", "--json",
                   stdin=f"{COORD_PIN}\n{new}")
    assert COORD_PIN not in result.stdout + result.stderr
    changed = json.loads(result.stdout)
    assert changed["name"] == args[1]
    assert changed["active"] is (args[0] != "disable")


def test_wrong_coordinator_pins_lock_her_out(team, tmp_path, database_url):
    kiosk = team
    for left in (4, 3, 2, 1):
        one_line_error(kiosk("staff-user", "disable", "Nadia", "--as", "Josiane", "--pin-stdin",
                             stdin="0000\n", expect=2), f"encore {left} ")
    one_line_error(kiosk("staff-user", "disable", "Nadia", "--as", "Josiane", "--pin-stdin",
                         stdin="0000\n", expect=2), "Code incorrect")
    one_line_error(kiosk("staff-user", "disable", "Nadia", "--as", "Josiane", "--pin-stdin",
                         stdin=f"{COORD_PIN}\n", expect=2), "Compte bloqué")
    assert [r["active"] for r in kiosk.json("staff-user", "list")] == [True, True]
    # her PIN reset by nobody cannot lift her lock: the command refuses without a coordinator
    one_line_error(kiosk("staff-user", "pin", "Josiane", "--pin-stdin", stdin="1357\n",
                         expect=2), "« --as NOM »")


def test_a_coordinator_at_the_terminal(env, team):
    code, shown = run_on_terminal(
        env, ["staff-user", "pin", "Nadia", "--as", "Josiane"],
        [("Code PIN de Josiane (coordination) : ", f"{COORD_PIN}\n"),
         ("Code PIN (4 à 8 chiffres) : ", "97531\n"), ("Confirmez le code PIN : ", "97531\n")])
    assert code == 0, shown
    assert "Nouveau code PIN enregistré pour Nadia." in shown
    assert COORD_PIN not in shown and "97531" not in shown
    code, shown = run_on_terminal(env, ["staff-user", "enable", "Nadia", "--as", "Josiane"],
                                  [("Code PIN de Josiane (coordination) : ", "1357\n")])
    assert code == 2 and "Code incorrect" in shown, shown


def test_without_a_terminal_the_pins_come_through_pin_stdin(team, tmp_path, database_url):
    """getpass would prompt on /dev/tty, where a script's user never looks: refused instead."""
    kiosk = team
    before = accounts(tmp_path, database_url)
    one_line_error(kiosk("staff-user", "disable", "Nadia", "--as", "Josiane", stdin=f"{COORD_PIN}\n",
                         expect=2), "Pas de terminal pour taper le code PIN : utilisez --pin-stdin")
    assert accounts(tmp_path, database_url) == before
