"""The same morning recorded the same whatever zone the PC is set to (issue #18, item 2).

A bus PC left in UTC recorded an 08:35 visit at "12:35" and opened a 10:00 stopover as an
afternoon. Here one morning of the bus, the same instants, is played by a real `kiosk` process
under libfaketime in three zones: the bus's own, UTC (the PC left as installed: the 10:00
opening is 14:00 there) and Kiritimati (UTC+14, where 08:30 in Martinique is already Friday).
Every record, every command's output and `kiosk stats --json` must be the same as Martinique's,
and Martinique's must be the wall times of the bus.

One process per zone plays the whole morning, as a kiosk app lives through its morning:
libfaketime re-reads the frozen instant from a file before each command (FAKETIME_NO_CACHE), and
each command runs `kiosk.cli.main` as it would in its own process (the house's in-process way,
tests/cli/runner.py). The instants are written in each zone's wall time, which is how libfaketime
reads them: the instant is the same, the PC's zone is all that differs.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import subprocess
import sys
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from db.models import Event, Stopover, Ticket
from tests.cli.runner import PROCESS_TIMEOUT, Kiosk, make_env, one_line

ROOT = Path(__file__).resolve().parents[2]
LIBFAKETIME = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
                     + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
ZONES = ("America/Martinique", "UTC", "Pacific/Kiritimati")
UTC = dt.UTC


def _at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 26, hour, minute, tzinfo=UTC)


# Thursday 26 November 2026, as the bus lives it (Martinique = UTC-4): open at 08:30, a visitor
# at 08:35 called at 08:50 and served until 09:10, the stopover closed at 09:40; then another stop
# opened at 10:00 (the "afternoon" of a PC in UTC) and a visitor at 10:05; the figures at 10:10.
MORNING: list[tuple[dt.datetime, list[str]]] = [
    (_at(12, 30), ["stopover", "open", "--stop", "ducos-bourg", "--json"]),
    (_at(12, 35), ["ticket", "take", "caf-aide-logement", "--json"]),
    (_at(12, 50), ["call", "--desk", "1", "--json"]),
    (_at(13, 10), ["finish", "1", "--outcome", "solved", "--json"]),
    (_at(13, 40), ["stopover", "close", "--json"]),
    (_at(14, 0), ["stopover", "open", "--stop", "ducos-genipa", "--json"]),
    (_at(14, 5), ["ticket", "take", "caf-aide-logement", "--json"]),
    (_at(14, 10), ["stats", "--from", "2026-11-26", "--json"]),
    (_at(14, 10), ["stats", "--month", "2026-11"]),
]

# Runs in the child: each command at its instant, the outcomes as one JSON line on stdout.
DRIVER = """
import contextlib, io, json, os, sys
from kiosk.cli import main
steps, clock, done = json.loads(sys.argv[1]), os.environ["FAKETIME_TIMESTAMP_FILE"], []
for wall_time, argv in steps:
    with open(clock, "w") as f:
        f.write(wall_time + "\\n")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    done.append({"argv": argv, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(done))
"""


def _play_morning(zone: str, folder: Path, database_url: str) -> list[dict[str, Any]]:
    assert LIBFAKETIME, "libfaketime is missing: .ci/install-system installs the faketime package"
    here = zoneinfo.ZoneInfo(zone)
    steps = [(f"{instant.astimezone(here):%Y-%m-%d %H:%M:%S}", argv) for instant, argv in MORNING]
    clock = folder / "faketime"
    clock.parent.mkdir(parents=True)
    # the data dir made private as the kiosk makes it: an open one is tightened with a warning
    # naming its path, which differs for each zone's run
    (folder / "data").mkdir(mode=0o700, exist_ok=True)
    (folder / "data").chmod(0o700)
    clock.write_text(steps[0][0] + "\n")
    env = make_env(folder, database_url)
    env.pop("FAKETIME", None)  # a suite run under `faketime DATE` would fix the child's instant
    env.update({
        "TZ": zone,
        "LD_PRELOAD": LIBFAKETIME[0],
        "FAKETIME_TIMESTAMP_FILE": str(clock),
        "FAKETIME_NO_CACHE": "1",
        # Python's timed waits need the real monotonic clock, and time.sleep its shim
        # (the Makefile and tests/faketime/sitecustomize.py say why)
        "DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tests" / "faketime"), str(ROOT),
                                                    env.get("PYTHONPATH")])),
    })
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(steps)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=PROCESS_TIMEOUT)
    assert done.returncode == 0, (zone, done.stderr[-3000:])
    outcomes: list[dict[str, Any]] = json.loads(done.stdout.splitlines()[-1])
    for outcome in outcomes:
        assert outcome["code"] == 0, (zone, outcome)
        # the data folder differs by zone; the names of the files in it must not
        outcome["stdout"] = outcome["stdout"].replace(str(folder), "<dossier>")
    return outcomes


def _records(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                "stopovers": [tuple(r) for r in conn.execute(
                    select(Stopover.stop_id, Stopover.day, Stopover.half, Stopover.opened_at,
                           Stopover.closed_at).order_by(Stopover.id))],
                "tickets": [tuple(r) for r in conn.execute(
                    select(Ticket.number, Ticket.taken_at, Ticket.first_called_at,
                           Ticket.ended_at, Ticket.wait_seconds, Ticket.service_seconds,
                           Ticket.state).order_by(Ticket.id))],
                "events": [tuple(r) for r in conn.execute(
                    select(Event.kind, Event.at).order_by(Event.id))],
            }
    finally:
        engine.dispose()


@pytest.mark.long  # three processes a backend, nine commands each: 13 to 18 s on the loaded 2 cores
def test_a_morning_is_recorded_the_same_whatever_the_pc_s_zone(tmp_path: Path,
                                                                 database_factory: Callable[[], str]):
    played = {}
    for zone in ZONES:
        url = database_factory()
        outcomes = _play_morning(zone, tmp_path / zone.replace("/", "-"), url)
        played[zone] = (outcomes, _records(url))

    outcomes, records = played["America/Martinique"]
    wall = dt.datetime.combine
    day = dt.date(2026, 11, 26)
    assert records["stopovers"] == [
        ("ducos-bourg", day, "morning", wall(day, dt.time(8, 30)), wall(day, dt.time(9, 40))),
        ("ducos-genipa", day, "morning", wall(day, dt.time(10, 0)), None),
    ]
    assert records["tickets"] == [
        (1, wall(day, dt.time(8, 35)), wall(day, dt.time(8, 50)), wall(day, dt.time(9, 10)),
         15 * 60, 20 * 60, "done"),
        (1, wall(day, dt.time(10, 5)), None, None, None, None, "waiting"),
    ]
    assert [at.time() for _kind, at in records["events"]][:2] == [dt.time(8, 30), dt.time(8, 35)]
    stats = json.loads(outcomes[7]["stdout"])
    assert stats["generated_at"] == "2026-11-26T10:10:00"
    assert (stats["period"]["from"], stats["period"]["to"]) == ("2026-11-26", "2026-11-26")
    assert (stats["visits"], stats["served"], stats["wait"]["mean_minutes"],
            stats["service"]["mean_minutes"]) == (2, 1, 15.0, 20.0)
    by_hour = {row["key"]: row["visits"] for row in stats["breakdowns"]["by_hour"]}
    assert {k: v for k, v in by_hour.items() if v} == {"08": 1, "10": 1}, by_hour
    backup = json.loads(outcomes[4]["stdout"])["backup"]
    assert backup and "2026-11-26-09h40" in backup, backup  # the copy is named by the bus's time

    for zone in ZONES[1:]:
        assert played[zone][1] == records, zone
        assert played[zone][0] == outcomes, zone


def test_an_unknown_zone_in_the_settings_stops_the_command_in_one_line(tmp_path):
    env = make_env(tmp_path, None)
    config = tmp_path / "config.yaml"
    config.write_text("desks: 2\ntimezone: Europe/Fort-de-France\n", "utf-8")
    env["KIOSK_CONFIG"] = str(config)
    line = one_line(Kiosk(env)("queue", expect=2))
    assert line == (f"kiosk: {config}, ligne 2 : « timezone » : fuseau horaire inconnu "
                    "« Europe/Fort-de-France » (par exemple America/Martinique)")
    assert not (tmp_path / "data").exists()  # nothing written
