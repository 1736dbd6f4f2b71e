"""`kiosk seed-history` as a coordinator or a script types it: real database; the progress line
on a real terminal (a pty), in a real process."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, select

from db.engine import normalise_url
from db.models import Event, Stopover, Ticket
from tests.cli.runner import Kiosk, make_env, one_line


@pytest.fixture
def kiosk(tmp_path, database_url) -> Kiosk:
    return Kiosk(make_env(tmp_path, database_url))


def _counts(database_url: str) -> tuple[int, int, int]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return tuple(conn.scalar(select(func.count()).select_from(model))  # type: ignore[return-value]
                         for model in (Stopover, Ticket, Event))
    finally:
        engine.dispose()


def test_a_quarter_of_history_in_one_line(kiosk, database_url):
    result = kiosk("seed-history", "--visits", "1500", "--from", "2026-07-01", "--to", "2026-09-30")
    line = result.stdout.strip()
    assert re.fullmatch(r"Historique créé : 1\u202f500 visites, 1\u202f\d{3} demandes, \d+ escales, "
                        r"du 01/07/2026 au 30/09/2026 \(\d+,\d s\)\.", line), line
    assert result.stderr == ""  # no progress line when stderr is not a terminal
    stopovers, tickets, events = _counts(database_url)
    assert tickets == 1500 and 40 < stopovers < 52 and events == 1


def test_json_for_scripts_and_the_same_seed_twice_writes_nothing_more(kiosk):
    args = ("seed-history", "--visits", "300", "--from", "2026-03-02", "--to", "2026-03-31",
            "--seed", "5")
    first = kiosk.json(*args)
    assert set(first) == {"visits", "demandes", "stopovers", "from", "to", "seconds"}
    assert (first["visits"], first["from"], first["to"]) == (300, "2026-03-02", "2026-03-31")
    assert first["demandes"] >= 250
    again = kiosk.json(*args)
    assert (again["visits"], again["stopovers"]) == (0, 0)


def test_a_progress_line_on_a_terminal(tmp_path, database_url):
    env = make_env(tmp_path, database_url)
    main, other = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kiosk", "seed-history", "--visits", "200", "--from",
             "2026-10-01", "--to", "2026-10-31"],
            env=env, stdout=subprocess.PIPE, stderr=other, text=True, timeout=120)
        os.close(other)
        written = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            written += chunk
    finally:
        os.close(main)
    assert result.returncode == 0
    progress = written.decode()
    assert "\r" in progress and "100" in progress and "%" in progress
    assert result.stdout.startswith("Historique créé : 200 visites")


@pytest.mark.parametrize("args, words", [
    (("--visits", "100", "--from", "2026-02-30"), "--from"),
    (("--visits", "100", "--to", "31/09/2026"), "--to"),
    (("--visits", "10", "--from", "0001-01-03", "--to", "0001-01-31"), "hors du calendrier"),
    (("--visits", "cent"), "--visits"),
    (("--visits", "0"), "--visits"),
    (("--visits", "5000001"), "--visits"),
    (("--visits", "100", "--seed", "x"), "--seed"),
    (("--visits", "100", "--from", "2026-09-01", "--to", "2026-08-01"), "début"),
    (("--visits", "100", "--from", "2026-09-01", "--to", "2099-01-01"), "pas passée"),
    (("--from", "2026-09-01"), "--visits"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(kiosk, database_url, args, words):
    kiosk("init")
    result = kiosk("seed-history", *args, expect=2)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert _counts(database_url)[:2] == (0, 0)


def test_a_number_too_large_is_refused_with_the_french_spaces_themselves(kiosk, database_url):
    kiosk("init")
    line = one_line(kiosk("seed-history", "--visits", str(2**63), expect=2))
    # the narrow no-break spaces of french.number, not their escapes ("5\u202f000\u202f000")
    assert line == ("kiosk seed-history: argument --visits: entre 1 et 5\u202f000\u202f000 "
                    f"visites, pas {2**63}"), line
    assert "\\u" not in line
    assert _counts(database_url)[:2] == (0, 0)
