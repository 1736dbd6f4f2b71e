"""Benchmark of `seed_history`: 1,000,000 visits on SQLite and on PostgreSQL, time and peak memory,
written to tests/perf/reports/history.txt. Target: under 3 minutes per backend.

Each backend is seeded in a process of its own, so that its peak RSS is its own. After the seed,
a ticket is taken and called on the same database: the ids seeded explicitly must not collide with
the ones the database gives next (PostgreSQL's sequences). Numbers, not asserts: the machine is
shared, so the report says OK or SLOW.

    python -m tests.perf.history_bench            # both backends (PostgreSQL if KIOSK_TEST_PG_URL)
    python -m tests.perf.history_bench 100000     # fewer visits, for a quick look
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kiosk.core import services
from kiosk.core.context import open_context
from kiosk.reports.history import seed_history
from kiosk.system.config import Settings

REPORT_DIR = Path(__file__).with_name("reports")
VISITS = 1_000_000
TARGET_SECONDS = 180.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def seed_one(url: str, data_dir: Path, visits: int) -> dict[str, object]:
    """Seed one fresh database (in this process) and check the queue still works after."""
    ctx = open_context(Settings(data_dir=data_dir, database_url=url))
    services.init_database(ctx)
    before = _peak_mb()
    report = seed_history(ctx, visits)
    peak = _peak_mb()
    services.open_stopover(ctx, "ducos-bourg", half="morning", day=dt.date.today())
    issued = services.take_ticket(ctx, "caf-aide-logement")
    called = services.call_next(ctx, 1)
    ctx.dispose()
    return {"visits": report.visits, "demandes": report.demandes, "stopovers": report.stopovers,
            "from": report.start.isoformat(), "to": report.end.isoformat(),
            "seconds": round(report.seconds, 1), "peak_mb": round(peak), "start_mb": round(before),
            "queue_after": issued.number == 1 and called.number == 1}


def _run_child(backend: str, url: str, data_dir: Path, visits: int) -> str:
    child = subprocess.run(
        [sys.executable, "-m", "tests.perf.history_bench", "--one", url, str(data_dir), str(visits)],
        capture_output=True, text=True, timeout=3600)
    if child.returncode != 0:
        return f"{backend:<11} failed: {child.stderr.strip().splitlines()[-1:]}"
    r = json.loads(child.stdout.strip().splitlines()[-1])
    verdict = "OK" if float(r["seconds"]) <= TARGET_SECONDS else "SLOW"
    return (f"{backend:<11} {r['visits']:>9,} visits  {r['demandes']:>9,} demandes  "
            f"{r['stopovers']:>6,} stopovers  {r['from']} .. {r['to']}  "
            f"{r['seconds']:>6} s (target <= {TARGET_SECONDS:.0f} s) {verdict}  "
            f"peak RSS {r['peak_mb']} MB (start {r['start_mb']} MB)  "
            f"take/call after: {'OK' if r['queue_after'] else 'FAILED'}")


def main(visits: int = VISITS) -> int:
    lines = [f"Borne PLUS seed-history benchmark, {time.strftime('%Y-%m-%d %H:%M')}, "
             f"{os.cpu_count()} cores, {visits:,} visits per backend (default period: "
             "about 50 visits a morning, ending yesterday)"]
    with tempfile.TemporaryDirectory() as tmp:
        lines.append(_run_child("sqlite", f"sqlite:///{tmp}/history.sqlite3", Path(tmp), visits))
        pg_url = os.environ.get("KIOSK_TEST_PG_URL")
        if pg_url:
            name = f"kiosk_history_{uuid.uuid4().hex[:8]}"
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
                lines.append(_run_child("postgresql", url, Path(tmp), visits))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            lines.append("postgresql  not measured: KIOSK_TEST_PG_URL unset (use `make bench`)")
    REPORT_DIR.mkdir(exist_ok=True)
    report = "\n".join(lines) + "\n"
    (REPORT_DIR / "history.txt").write_text(report, encoding="utf-8")
    print(report, end="")
    print(f"report written to {REPORT_DIR / 'history.txt'}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print(json.dumps(seed_one(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
        raise SystemExit(0)
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else VISITS))
