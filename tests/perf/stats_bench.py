"""Statistics benchmark: `compute()` for a year and a quarter over 1,000,000 visits of history.

Seeds the history with `kiosk.reports.history.seed_history` into a temporary SQLite file (and a
PostgreSQL database when KIOSK_TEST_PG_URL is set), then times `statistics.compute` (cold, then
the best of a few warm runs) and the streaming of `demande_rows` for the quarter. Target: a year
<= 3 s on both backends. The history spreads over ten years (2016-2025), about 100,000 visits a
year: some 16 times the bus's real attendance, so a year here is a heavy year.
Numbers, not asserts; written to tests/perf/reports/stats.txt.

    .venv/bin/python -m tests.perf.stats_bench [VISITS]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kiosk.core.context import Context, open_context
from kiosk.core.services import init_database
from kiosk.reports.history import seed_history
from kiosk.reports.periods import Period
from kiosk.reports.rows import demande_rows
from kiosk.reports.statistics import compute
from kiosk.system.config import Settings

REPORT = Path(__file__).with_name("reports") / "stats.txt"
START, END = dt.date(2016, 1, 1), dt.date(2025, 12, 31)
TARGET_SECONDS = 3.0
WARM_RUNS = 3


def _time(fn: object) -> float:
    began = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - began


def bench(ctx: Context, backend: str, visits: int) -> list[str]:
    ctx.clock = lambda: dt.datetime(2026, 11, 26, 9, 0)
    init_database(ctx)
    seeded = seed_history(ctx, visits, START, END, seed=1)
    lines = [f"{backend}: {seeded.visits:,} visits, {seeded.demandes:,} demandes, "
             f"{seeded.stopovers:,} stopovers seeded {seeded.start}..{seeded.end} "
             f"in {seeded.seconds:.1f} s"]
    if backend == "postgresql":
        with ctx.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    for period in (Period.year("2025"), Period.quarter("2025-T3"), Period.year("2024")):
        cold = _time(lambda p=period: compute(ctx, p))
        warm = min(_time(lambda p=period: compute(ctx, p)) for _ in range(WARM_RUNS))
        report = compute(ctx, period)
        verdict = "OK" if warm <= TARGET_SECONDS else "SLOW"
        lines.append(f"  compute {period.label:<20} {report.totals.visits:>8,} visits: "
                     f"cold {cold:.2f} s, warm {warm:.2f} s  [{verdict}, target "
                     f"{TARGET_SECONDS:.0f} s]")
    quarter = Period.quarter("2025-T3")
    began = time.perf_counter()
    streamed = sum(1 for _ in demande_rows(ctx, quarter))
    lines.append(f"  demande_rows {quarter.label}: {streamed:,} rows in "
                 f"{time.perf_counter() - began:.2f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    visits = int(args[0]) if args else 1_000_000
    lines = [f"Statistics benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}, "
             f"{visits:,} visits over {START}..{END}"]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder),
                            database_url=f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        ctx = open_context(settings)
        try:
            lines += bench(ctx, "sqlite", visits)
        finally:
            ctx.dispose()
        print("\n".join(lines), flush=True)
        pg_url = os.environ.get("KIOSK_TEST_PG_URL", "")
        if pg_url:
            name = f"kiosk_statsbench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
            ctx = open_context(Settings(data_dir=Path(folder), database_url=url))
            try:
                pg_lines = bench(ctx, "postgresql", visits)
                lines += pg_lines
                print("\n".join(pg_lines), flush=True)
            finally:
                ctx.dispose()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
