"""The process contract of `kiosk`, proven in real processes once per command group (the
register() modules of kiosk/cli/): the other CLI tests run the command in-process
(tests/cli/runner.py), which cannot see the exit status, the streams or the interpreter.

Done: exit 0, the result on stdout, nothing on stderr. Refused (bad input, exit 2) or nobody
waiting (exit 3): nothing on stdout, one line on stderr. Each refusal is also run in-process
and must come out the same, byte for byte: the in-process runner is checked against the truth.
SQLite in the data dir (the embedded default): what differs between backends is tested
in-process, on both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cli import GROUPS
from tests.cli.runner import Kiosk, Outcome, make_env, one_line

ROOT = Path(__file__).resolve().parents[2]
PIN = "48213"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = make_env(tmp_path, None)
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # no window can open, whatever happens
        env.pop(name, None)
    return env


@pytest.fixture
def process(env: dict[str, str]) -> Kiosk:
    return Kiosk(env, subprocess=True)


@pytest.fixture
def kiosk(env: dict[str, str]) -> Kiosk:
    """The same shell in-process: to prepare a database, and to compare."""
    return Kiosk(env)


def done(result: Outcome) -> str:
    assert result.returncode == 0 and result.stderr == "", result
    assert result.stdout.endswith("\n") and result.stdout.strip(), result
    return result.stdout


def refused(result: Outcome, kiosk: Kiosk, stdin: str = "") -> str:
    """One line on stderr, nothing on stdout; the same outcome in-process."""
    line = one_line(result)
    again = kiosk(*result.argv, expect=result.returncode, stdin=stdin)
    assert (again.stdout, again.stderr) == (result.stdout, result.stderr)
    return line


def queue_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    assert "kiosk init" in refused(process("queue", expect=2), kiosk)
    assert "communes" in json.loads(done(process("init", "--json")))
    kiosk("stopover", "open", "--stop", "ducos-bourg")
    assert refused(process("call", "--desk", "1", expect=3), kiosk) == \
        "kiosk: Personne n'attend."
    # a wrong return code is committed (counted, logged) before it is refused: one line still
    assert refused(process("return-pass", "use", "ACDEFG", expect=2), kiosk) == \
        "kiosk: Code de retour inconnu « ACDEFG » : vérifiez les lettres sur le ticket."
    # the parser's own refusal: exit 2, one line naming the option
    line = refused(process("call", "--desk", "two", expect=2), kiosk)
    assert line.startswith("kiosk call: ") and "--desk" in line


def content_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    assert "tout est valide" in done(process("catalogue", "check",
                                             str(ROOT / "assets" / "catalogue")))
    out = tmp_path / "nope.pdf"
    assert "Démarche inconnue" in refused(process("checklist", "nope", "--out", str(out),
                                                  expect=2), kiosk)
    assert not out.exists()


def apps_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    # refused before any window opens: no database yet
    assert "kiosk init" in refused(process("visitor", expect=2), kiosk)
    assert not (tmp_path / "data").exists()


def staff_user_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk("init")
    assert done(process("staff-user", "add", "Nadia", "--role", "animatrice", "--pin-stdin",
                        stdin=f"{PIN}\n")).startswith("Compte créé : Nadia")
    # stdin a pipe, not a terminal: never a prompt nobody sees
    assert "--pin-stdin" in refused(process("staff-user", "add", "Léa", "--role", "animatrice",
                                            stdin=f"{PIN}\n", expect=2), kiosk, f"{PIN}\n")


def history_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk("init")
    assert "--visits" in refused(process("seed-history", "--visits", "cent", expect=2), kiosk)
    # stderr a pipe: no progress line there
    assert done(process("seed-history", "--visits", "20", "--from", "2026-10-01", "--to",
                        "2026-10-31")).startswith("Historique créé : 20 visites")


def stats_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk("init")
    assert json.loads(done(process("stats", "--month", "2026-10", "--json")))["visits"] == 0
    assert refused(process("stats", "--quarter", "2026-T5", expect=2), kiosk) == \
        "kiosk stats: argument --quarter: « 2026-T5 » : trimestre invalide (AAAA-T1 à AAAA-T4)"


def export_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk("init")
    target = tmp_path / "octobre.csv"
    # stderr a pipe: no progress bar there
    assert done(process("export", "--month", "2026-10", "--format", "csv", "--out",
                        str(target))) == f"{target}\n"
    assert "n'existe pas" in refused(process("export", "--year", "2026", "--format", "csv",
                                             "--out", str(tmp_path / "absent" / "r.csv"),
                                             expect=2), kiosk)


def backup_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk("init")
    usb = tmp_path / "usb"
    usb.mkdir()
    path = json.loads(done(process("backup", "--out", str(usb), "--json")))["path"]
    # stdin a pipe: nobody to confirm, nothing done without --yes
    assert "--yes" in refused(process("restore", path, expect=2), kiosk)


def feedback_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk("init")
    assert json.loads(done(process("feedback", "--from", "2026-01-01", "--json")))["answers"] == 0
    assert "97999" in refused(process("feedback", "--from", "2026-01-01", "--commune", "97999",
                                      expect=2), kiosk)


def panels_group(process: Kiosk, kiosk: Kiosk, tmp_path: Path) -> None:
    folder = tmp_path / "panneaux"
    folder.mkdir()
    assert "0 panneau(x) valide(s)" in done(process("panels", "check", str(folder)))
    (folder / "faux.yaml").write_text("title: Faux\nlignes: [x]\n", "utf-8")
    # the one refusal whose report goes to stdout too: each refused file there, one line on stderr
    result = process("panels", "check", str(folder), expect=2)
    assert "REFUSÉ" in result.stdout and "faux.yaml" in result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("kiosk: ")
    again = kiosk("panels", "check", str(folder), expect=2)
    assert (again.stdout, again.stderr) == (result.stdout, result.stderr)


CONTRACT: dict[str, Callable[[Kiosk, Kiosk, Path], None]] = {
    "queue": queue_group, "content": content_group, "apps": apps_group,
    "staff_user": staff_user_group, "history": history_group, "stats": stats_group,
    "export": export_group, "backup": backup_group, "feedback": feedback_group,
    "panels": panels_group,
}


@pytest.mark.parametrize("group", CONTRACT)
def test_each_command_group_keeps_the_process_contract(group, process, kiosk, tmp_path):
    CONTRACT[group](process, kiosk, tmp_path)


def test_every_command_group_has_its_process_test():
    assert set(CONTRACT) == {group.__name__.rsplit(".", 1)[1] for group in GROUPS}
