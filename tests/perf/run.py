"""Benchmarks (`make bench`): p50/p95 of the queue services, written to tests/perf/reports/.

Targets on the bus PC: take and call p95 <= 15 ms, queue snapshot p95 <= 5 ms, with 300 waiting
tickets, on an SQLite file with synchronous=FULL and on PostgreSQL (when KIOSK_TEST_PG_URL is set).
Numbers, not asserts: shared machines are noisy, so the report says OK or SLOW per target.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kiosk.core import services, views
from kiosk.core.context import Context, open_context
from kiosk.system.config import Settings

REPORT_DIR = Path(__file__).with_name("reports")
WAITING = 300


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def bench_queue(ctx: Context) -> dict[str, list[float]]:
    services.init_database(ctx)
    services.open_stopover(ctx, "ducos-bourg")
    procedures = [p.id for p in ctx.catalogue.procedures]
    for i in range(WAITING):
        services.take_ticket(ctx, procedures[i % len(procedures)], priority=i % 17 == 0)
    take = [timed(lambda i=i: services.take_ticket(ctx, procedures[i % len(procedures)]))
            for i in range(200)]
    call = []
    for _ in range(200):
        call.append(timed(lambda: services.call_next(ctx, 1)))
        current = views.queue_snapshot(ctx).called[0].number
        services.mark_absent(ctx, current)
    # back to 300 waiting for the snapshot
    snap = [timed(lambda: views.queue_snapshot(ctx)) for _ in range(500)]
    assert len(views.queue_snapshot(ctx).waiting) == WAITING
    return {"take ticket": take, "call next": call, "queue snapshot": snap}


TARGETS = {"take ticket": 15.0, "call next": 15.0, "queue snapshot": 5.0}


def format_rows(backend: str, results: dict[str, list[float]]) -> list[str]:
    rows = []
    for name, samples in results.items():
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("OK" if p95 <= target else "SLOW")
        rows.append(f"{backend:<11} {name:<16} n={len(samples):<4} p50={p50:7.2f} ms  "
                    f"p95={p95:7.2f} ms  target p95<={target} ms  {verdict}")
    return rows


def main() -> int:
    lines = [f"Borne PLUS benchmark, {time.strftime('%Y-%m-%d %H:%M')}, "
             f"{os.cpu_count()} cores, {WAITING} waiting tickets"]
    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_context(Settings(data_dir=Path(tmp),
                                    database_url=f"sqlite:///{tmp}/bench.sqlite3"))
        lines += format_rows("sqlite", bench_queue(ctx))
        ctx.dispose()
        pg_url = os.environ.get("KIOSK_TEST_PG_URL")
        if pg_url:
            name = f"kiosk_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
            ctx = open_context(Settings(data_dir=Path(tmp), database_url=url))
            lines += format_rows("postgresql", bench_queue(ctx))
            ctx.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
        else:
            lines.append("postgresql  not measured: KIOSK_TEST_PG_URL unset (use `make bench`)")
    # the kiosk's own numbers come from a process of their own (Kivy settings are per process)
    gui = subprocess.run([sys.executable, "-m", "tests.perf.gui_bench"], capture_output=True,
                         text=True, timeout=3600)
    lines += gui.stdout.splitlines() or [f"visitor     benchmark failed: {gui.stderr[-500:]}"]
    # years of history: seeding, statistics, exports, and the queue on a million visits
    for module in ("tests.perf.history_bench", "tests.perf.history_load"):
        run = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True,
                             timeout=3 * 3600)
        lines += [line for line in run.stdout.splitlines() if not line.startswith("report ")] \
            or [f"{module} failed: {run.stderr[-500:]}"]
    REPORT_DIR.mkdir(exist_ok=True)
    report = "\n".join(lines) + "\n"
    (REPORT_DIR / "bench.txt").write_text(report, encoding="utf-8")
    print(report, end="")
    print(f"report written to {REPORT_DIR / 'bench.txt'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
