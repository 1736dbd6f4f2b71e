"""What the fuzz tests share: `kiosk.cli.main` run in-process as a shell would run it (the runner
of tests/cli/runner.py, shared with the CLI tests), the properties every outcome must have, a
fingerprint of everything a command could write, and the Hypothesis settings.

In-process because a subprocess per example costs ~0.5 s of interpreter start: a few hundred
examples a run would not fit in `make test`. The streams imitate a UTF-8 terminal: stdout encodes
strictly (a lone surrogate from an undecodable argument fails there as in a real shell), stderr
with backslashreplace, as Python sets them up.

Two profiles, chosen by KIOSK_FUZZ_PROFILE:
- "ci" (the default, `make test`): derandomized, so every run tries the same examples and a
  failure found once is found again; no example database.
- "fuzz" (`make fuzz`): random examples, ten times as many, and on a failure the falsifying
  example (the argv or the file drawn) and a `@reproduce_failure(...)` line are printed.

Replaying a `make fuzz` failure: paste the printed `@reproduce_failure('<version>', b'...')` line
above the failing test (under `@given`, with the same Hypothesis version) and run that one test,
e.g. `.ci/with-services env KIOSK_FUZZ_PROFILE=fuzz .venv/bin/python -m pytest -p no:cacheprovider
tests/fuzz/test_fuzz_cli.py -k any_argument`; or rerun `make fuzz`: the failing example is kept in
.hypothesis/examples and tried first. When Hypothesis prints a seed instead (a failure it could
not shrink), add `--hypothesis-seed=<seed>` to the same command. A failure found this way is then
pinned by a focused test in test_fuzz_found.py.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tests.cli.runner import Outcome, run_cli

__all__ = ["FORBIDDEN", "Fingerprint", "Outcome", "check", "fuzz_settings", "odd_files",
           "run_cli"]

_SLOW_IS_FINE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                 HealthCheck.data_too_large]
settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          print_blob=False, suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("fuzz", derandomize=False, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_IS_FINE)
EXAMPLES_SCALE = {"ci": 1, "fuzz": 10}
PROFILE = os.environ.get("KIOSK_FUZZ_PROFILE", "") or "ci"
if PROFILE not in EXAMPLES_SCALE:
    raise ValueError(f"KIOSK_FUZZ_PROFILE={PROFILE!r}: expected one of {sorted(EXAMPLES_SCALE)}")


def fuzz_settings(examples: int) -> settings:
    """The settings of a fuzz test: EXAMPLES derandomized examples in `make test`, ten times as
    many random ones in `make fuzz`. Built from the profile here, not loaded as Hypothesis's
    default, so that the other property tests of the suite keep their own settings."""
    return settings(settings.get_profile(PROFILE), max_examples=examples * EXAMPLES_SCALE[PROFILE])

# A refusal is quick: at most 2 s of this process's CPU time. CPU time, not wall-clock time:
# the machine running the tests may be loaded (two cores, two xdist workers and other people's
# runs) and a wall-clock bound of 2 s failed there on refusals that took 0.1 s of work. Waiting
# (a lock, a FIFO, a database server doing the work) costs no CPU: a generous wall-clock
# ceiling catches that hang, far above any load seen (a refusal takes ~0.05-0.5 s).
SECONDS_PER_REFUSAL = 2.0  # CPU seconds
HANG_SECONDS = 30.0  # wall clock
RSS_GROWTH_KIB = 60_000  # peak resident memory a single command may add (ru_maxrss is in KiB)
MAX_ERROR_CHARS = 400
# codes a terminal would let through to reorder or hide a message (C0, DEL, C1, bidi, separators)
FORBIDDEN = {*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F),
             *range(0x2066, 0x206A), 0x2028, 0x2029, 0x200E, 0x200F, 0x061C}


def check(outcome: Outcome, allowed: frozenset[int] = frozenset({0, 2, 3})) -> None:
    """The properties of every outcome: an expected exit code, and a refusal that is one short
    clean line, given quickly and without eating memory."""
    where = f"kiosk {list(outcome.argv)!r} → exit {outcome.code}\nstderr: {outcome.stderr!r}"
    assert outcome.code in allowed, where
    if outcome.code == 0:
        return
    lines = outcome.stderr.split("\n")
    assert len(lines) == 2 and lines[1] == "" and lines[0], f"not one line on stderr: {where}"
    line = lines[0]
    assert len(line) < MAX_ERROR_CHARS, f"{len(line)} characters: {where}"
    raw = sorted({f"U+{ord(ch):04X}" for ch in line if ord(ch) in FORBIDDEN})
    assert not raw, f"raw control or bidi characters {raw}: {where}"
    assert "Traceback" not in line, where
    assert outcome.cpu_seconds < SECONDS_PER_REFUSAL, f"{outcome.cpu_seconds:.2f} s CPU: {where}"
    assert outcome.seconds < HANG_SECONDS, f"{outcome.seconds:.2f} s, hung: {where}"
    assert outcome.rss_growth_kib < RSS_GROWTH_KIB, f"+{outcome.rss_growth_kib} KiB: {where}"


class Fingerprint:
    """A digest of every row of every table, and of the files under some folders: what a refusal
    must leave exactly as it was."""

    def __init__(self, database_url: str, *folders: Path) -> None:
        self.engine = create_engine(database_url, poolclass=NullPool)
        self.folders = folders

    def __call__(self) -> str:
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            for name in names:
                rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
                digest.update(f"{name}:{sorted(map(repr, rows))}".encode())
        for folder in self.folders:
            for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
                if path.name.endswith(("-wal", "-shm", "-journal")) or path.suffix == ".sqlite3":
                    continue  # the database is compared by its rows; SQLite's files move on reads
                info = path.lstat()
                digest.update(f"{path}:{info.st_mode}:{info.st_size}".encode())
        return digest.hexdigest()

    def dispose(self) -> None:
        self.engine.dispose()


def odd_files(folder: Path) -> dict[str, Path]:
    """Places that are not what a command expects: a folder, a FIFO, a symlink loop, a missing
    file, a file in a missing folder, an empty file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dir.yaml").mkdir(exist_ok=True)
    fifo = folder / "fifo.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    loop = folder / "loop.yaml"
    if not loop.is_symlink():
        loop.symlink_to(loop)
    (folder / "empty.yaml").write_bytes(b"")
    return {"folder": folder / "dir.yaml", "fifo": fifo, "loop": loop,
            "missing": folder / "missing.yaml", "nowhere": folder / "no" / "such" / "out.pdf",
            "empty": folder / "empty.yaml"}
