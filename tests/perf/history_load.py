"""Benchmark on years of history (`make bench`): one database per backend seeded with
1,000,000 visits, then what the coordinator and the animatrices do on it.

- `kiosk stats --year Y --json` for the last full year, as the real command (target <= 3 s);
- `kiosk export --year Y` in csv, xlsx and pdf, as the real command: wall time (target <= 20 s)
  and the peak resident memory of that process, read from the kernel's rusage of the child
  (target <= 500 MB); plus the CSV of the whole history, for information;
- take ticket and call next p95 on the seeded database against an empty one (target: within
  1.5x).

Numbers, not asserts: the machine is shared, so the report says OK or SLOW. Written to
tests/perf/reports/history-load.txt.

    python -m tests.perf.history_load            # 1,000,000 visits per backend
    python -m tests.perf.history_load 100000     # a quicker look
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kiosk.core.context import open_context
from kiosk.reports.history import seed_history
from kiosk.system.config import Settings
from tests.perf.run import bench_queue, percentile

REPORT_DIR = Path(__file__).with_name("reports")
VISITS = 1_000_000
STATS_TARGET_S = 3.0
EXPORT_TARGET_S = 20.0
EXPORT_TARGET_MB = 500.0
QUEUE_RATIO = 1.5


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB, exit code and stderr tail of one real `kiosk` process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return (time.perf_counter() - start, usage.ru_maxrss / 1024, child.returncode,
            err.strip().splitlines()[-1] if err.strip() else "")


def _queue_p95(url: str, data_dir: Path) -> dict[str, float]:
    ctx = open_context(Settings(data_dir=data_dir, database_url=url))
    try:
        results = bench_queue(ctx)
    finally:
        ctx.dispose()
    return {name: percentile(samples, 0.95) for name, samples in results.items()
            if name in ("take ticket", "call next")} | {
        f"{name} p50": statistics.median(samples) for name, samples in results.items()
        if name in ("take ticket", "call next")}


def bench_backend(backend: str, url: str, empty_url: str, data_dir: Path,
                  visits: int) -> list[str]:
    lines = []
    ctx = open_context(Settings(data_dir=data_dir, database_url=url))
    from kiosk.core.services import init_database

    init_database(ctx)
    report = seed_history(ctx, visits)
    ctx.dispose()
    lines.append(f"{backend:<11} seeded {report.visits:,} visits, {report.demandes:,} demandes, "
                 f"{report.stopovers:,} stopovers, {report.start} .. {report.end} "
                 f"in {report.seconds:.0f} s")
    year = str(dt.date.today().year - 1)
    env = {**os.environ, "KIOSK_DATABASE_URL": url, "KIOSK_DATA_DIR": str(data_dir)}
    kiosk = [sys.executable, "-m", "kiosk"]
    runs = [_run([*kiosk, "stats", "--year", year, "--json"], env) for _ in range(3)]
    best = min(r[0] for r in runs)
    verdict = "OK" if best <= STATS_TARGET_S and runs[0][2] == 0 else "SLOW"
    lines.append(f"{backend:<11} kiosk stats --year {year}: best of 3 {best:.2f} s "
                 f"(first {runs[0][0]:.2f} s), target <= {STATS_TARGET_S:.0f} s  {verdict}")
    for fmt in ("csv", "xlsx", "pdf"):
        out = data_dir / f"export-{backend}.{fmt}"
        seconds, peak, code, err = _run(
            [*kiosk, "export", "--year", year, "--format", fmt, "--out", str(out)], env)
        ok = code == 0 and seconds <= EXPORT_TARGET_S and peak <= EXPORT_TARGET_MB
        size = out.stat().st_size / 1e6 if out.exists() else 0
        lines.append(f"{backend:<11} kiosk export --year {year} --format {fmt:<4}: {seconds:6.2f} s, "
                     f"peak RSS {peak:4.0f} MB, {size:5.1f} MB written "
                     f"(targets <= {EXPORT_TARGET_S:.0f} s, <= {EXPORT_TARGET_MB:.0f} MB)  "
                     f"{'OK' if ok else 'SLOW ' + err}")
    out = data_dir / f"all-{backend}.csv"
    seconds, peak, code, err = _run(
        [*kiosk, "export", "--from", report.start.isoformat(), "--to", report.end.isoformat(),
         "--format", "csv", "--out", str(out)], env)
    size = out.stat().st_size / 1e6 if out.exists() else 0
    lines.append(f"{backend:<11} kiosk export of the whole history, csv: {seconds:6.2f} s, "
                 f"peak RSS {peak:4.0f} MB, {size:5.1f} MB written (information) "
                 f"{'' if code == 0 else 'FAILED ' + err}")
    full, empty = _queue_p95(url, data_dir), _queue_p95(empty_url, data_dir)
    for name in ("take ticket", "call next"):
        ratio = full[name] / empty[name] if empty[name] else float("inf")
        lines.append(f"{backend:<11} {name} p95 with history {full[name]:6.2f} ms, empty "
                     f"{empty[name]:6.2f} ms: x{ratio:.2f} (target <= x{QUEUE_RATIO})  "
                     f"{'OK' if ratio <= QUEUE_RATIO else 'SLOW'}")
    return lines


def main(visits: int = VISITS) -> int:
    lines = [f"Borne PLUS benchmark on years of history, {time.strftime('%Y-%m-%d %H:%M')}, "
             f"{os.cpu_count()} cores, {visits:,} visits per backend"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines += bench_backend("sqlite", f"sqlite:///{folder}/history.sqlite3",
                               f"sqlite:///{folder}/empty.sqlite3", folder, visits)
        pg_url = os.environ.get("KIOSK_TEST_PG_URL")
        if pg_url:
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            names = [f"kiosk_load_{uuid.uuid4().hex[:8]}" for _ in range(2)]
            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                full, empty = (make_url(pg_url).set(database=n).render_as_string(hide_password=False)
                               for n in names)
                lines += bench_backend("postgresql", full, empty, folder, visits)
            finally:
                with admin.connect() as conn:
                    for name in names:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            lines.append("postgresql  not measured: KIOSK_TEST_PG_URL unset (use `make bench`)")
    REPORT_DIR.mkdir(exist_ok=True)
    report = "\n".join(lines) + "\n"
    (REPORT_DIR / "history-load.txt").write_text(report, encoding="utf-8")
    print(report, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else VISITS))
