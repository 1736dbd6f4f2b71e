"""Several desks and several processes on one database: no duplicate, none lost, none called
twice. Runs on SQLite (one file, WAL, BEGIN IMMEDIATE) and on PostgreSQL (row locks)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Ticket
from kiosk.core import services
from kiosk.core.context import open_context
from kiosk.errors import NoTicketWaiting
from kiosk.system.config import Settings
from tests.conftest import Clock

WORKER = str(Path(__file__).with_name("workers.py"))


def test_two_desks_calling_together_never_get_the_same_ticket(open_ctx, settings, clock):
    for _ in range(40):
        services.take_ticket(open_ctx, "autre")
    got: dict[int, list[int]] = {1: [], 2: []}
    barrier = threading.Barrier(2)

    def desk(desk_id: int) -> None:
        ctx = open_context(settings, migrate=False)
        ctx.clock = clock
        while True:
            try:  # both desks press "call next" at the same moment, round after round
                barrier.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass  # the other desk found nobody waiting: this one goes on alone
            try:
                called = services.call_next(ctx, desk_id)
            except NoTicketWaiting:
                barrier.abort()
                break
            got[desk_id].append(called.number)
            services.finish_visit(ctx, called.number, [services.DemandeInput("autre", "solved")])
        ctx.dispose()

    threads = [threading.Thread(target=desk, args=(d,)) for d in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(got[1] + got[2]) == list(range(1, 41))
    assert got[1] and got[2], "both desks worked"


# 4 × 100 tickets keep the four takers overlapping the whole time (each take is a few ms) at a
# third of the suite's time that 4 × 250 took on PostgreSQL under load (95 s).
PER_TAKER = 100


@pytest.mark.long
@pytest.mark.slow
def test_four_takers_and_two_callers_in_separate_processes(open_ctx, database_url, tmp_path):
    stop_file = tmp_path / "takers-done"
    callers = [
        subprocess.Popen([sys.executable, WORKER, "call", database_url, str(desk), str(stop_file)],
                         stdout=subprocess.PIPE, text=True)
        for desk in (1, 2)
    ]
    takers = [
        subprocess.Popen([sys.executable, WORKER, "take", database_url, str(PER_TAKER), "autre"],
                         stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    taken: list[int] = []
    for proc in takers:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0
        taken += [int(n) for n in out.split()]
    stop_file.touch()
    called: list[int] = []
    for proc in callers:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0
        called += [int(n) for n in out.split()]

    total = 4 * PER_TAKER
    assert len(taken) == total and sorted(taken) == list(range(1, total + 1)), "none lost, no twin"
    duplicates = [n for n, k in Counter(called).items() if k > 1]
    assert duplicates == [], "no ticket called twice"
    assert sorted(called) == list(range(1, total + 1)), "every ticket called once"
    with open_ctx.read() as s:
        states = Counter(s.scalars(select(Ticket.state)).all())
    assert states == {"done": total}


@pytest.mark.slow
def test_sigkill_while_taking_loses_no_committed_ticket(sqlite_url, tmp_path):
    ctx = open_context(Settings(data_dir=tmp_path, database_url=sqlite_url))
    ctx.clock = Clock()  # the suite's Thursday, as the worker reads it
    services.open_stopover(ctx, "ducos-bourg")
    proc = subprocess.Popen([sys.executable, WORKER, "take", sqlite_url, "100000", "autre"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    printed = [int(proc.stdout.readline()) for _ in range(150)]
    proc.kill()  # SIGKILL: no cleanup, possibly in the middle of a transaction
    proc.wait()
    assert printed == list(range(1, 151))

    path = sqlite_url.removeprefix("sqlite:///")
    import sqlite3

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    numbers = [r[0] for r in raw.execute("SELECT number FROM tickets ORDER BY number")]
    last = raw.execute("SELECT last_number FROM stopovers").fetchone()[0]
    raw.close()
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 150
    assert last == numbers[-1]
    assert services.take_ticket(ctx, "autre").number == last + 1
    ctx.dispose()
