"""Shared fixtures: a real SQLite file and a real PostgreSQL database per test.

`database_url` is parametrized over both backends; PostgreSQL comes from KIOSK_TEST_PG_URL (the
throwaway server that `.ci/with-services` starts). With KIOSK_REQUIRE_BACKENDS=sqlite,postgresql
(as `make test` sets), a missing backend is a failure, never a silent skip.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

# Kivy reads these at import time; set them before any test module imports it.
ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("KIVY_HOME", str(ROOT / ".kivy"))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from kiosk.core.context import Context, open_context  # noqa: E402
from kiosk.core.services import init_database  # noqa: E402
from kiosk.system.config import Settings  # noqa: E402

BACKENDS = ("sqlite", "postgresql")
REQUIRED = {b for b in os.environ.get("KIOSK_REQUIRE_BACKENDS", "").split(",") if b}
PG_URL = os.environ.get("KIOSK_TEST_PG_URL", "")
DEFAULT_NOW = dt.datetime(2026, 11, 26, 9, 0, 0)  # a Thursday morning: the bus is at work


class Clock:
    """A clock the test moves by hand, so waits and service times are exact."""

    def __init__(self, now: dt.datetime = DEFAULT_NOW) -> None:
        self.current = now

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, minutes: float = 0, seconds: float = 0) -> None:
        self.current += dt.timedelta(minutes=minutes, seconds=seconds)


def _admin_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[dict[str, str]]:
    """One migrated and initialised database per backend and worker, copied for each test."""
    templates: dict[str, str] = {}
    folder = tmp_path_factory.mktemp("template")
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'template.sqlite3'}")
    ctx = open_context(settings)
    init_database(ctx)
    raw = ctx.engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    ctx.dispose()
    templates["sqlite"] = str(folder / "template.sqlite3")
    admin = None
    if PG_URL:
        name = f"kiosk_tpl_{worker_id}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        pg_ctx = open_context(Settings(data_dir=folder, database_url=_admin_url(PG_URL, name)))
        init_database(pg_ctx)
        pg_ctx.dispose()
        templates["postgresql"] = name
    yield templates
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{templates["postgresql"]}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_factory(request: pytest.FixtureRequest, tmp_path: Path,
                     _templates: dict[str, str]) -> Iterator[Callable[[], str]]:
    """Makes fresh, initialised databases of one backend (itinerary and desks loaded)."""
    backend = request.param
    if backend == "postgresql" and not PG_URL:
        if "postgresql" in REQUIRED:
            pytest.fail("PostgreSQL is required (KIOSK_REQUIRE_BACKENDS) but KIOSK_TEST_PG_URL "
                        "is not set: run the suite through `make test`.")
        pytest.skip("no PostgreSQL server (KIOSK_TEST_PG_URL unset); `make test` starts one")
    made: list[str] = []

    def make() -> str:
        if backend == "sqlite":
            path = tmp_path / f"kiosk-{len(made)}.sqlite3"
            shutil.copy(_templates["sqlite"], path)
            made.append(str(path))
            return f"sqlite:///{path}"
        name = f"kiosk_t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_templates["postgresql"]}"'))
        made.append(name)
        return _admin_url(PG_URL, name)

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT") if backend == "postgresql" else None
    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(database_factory: Callable[[], str]) -> str:
    """A fresh, initialised database, on SQLite and on PostgreSQL."""
    return database_factory()


@pytest.fixture
def sqlite_url(tmp_path: Path, _templates: dict[str, str]) -> str:
    """A fresh initialised SQLite file, for tests about SQLite itself (crash, pragmas)."""
    path = tmp_path / "kiosk.sqlite3"
    shutil.copy(_templates["sqlite"], path)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def _quick_pins(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """PINs hashed in-process use scrypt at N=2**8 instead of the shipped 2**14 (16 MB and ~50 ms
    a hash: about 100 s of the suite's CPU). The hash names its N and verify_pin reads it from
    there, so the code path is the same; the tests marked `real_pin_cost` keep the shipped N,
    and so do the kiosk processes the tests start."""
    if request.node.get_closest_marker("real_pin_cost") is None:
        from kiosk.core import staff

        monkeypatch.setattr(staff, "SCRYPT_N", 2**8)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture
def ctx(settings: Settings, clock: Clock) -> Iterator[Context]:
    context = open_context(settings)
    context.clock = clock
    yield context
    context.dispose()


@pytest.fixture
def open_ctx(ctx: Context) -> Context:
    """A context whose database has today's stopover open at Ducos, bourg."""
    from kiosk.core.services import open_stopover

    open_stopover(ctx, "ducos-bourg")
    return ctx


# ------------------------------------------------------------ the collector

# A worker holds pytest, SQLAlchemy, Kivy and hypothesis: some 300,000 objects that live until it
# ends. With Python's default thresholds each full collection walked them all, seven times while
# a kiosk built its 600 buttons (2.7 s of 3.6 s, measured). Fewer, later collections, and the
# objects alive after collection are left out of them (gc.freeze): cycles made by the tests are
# still collected, and nothing a test checks depends on when.
gc.set_threshold(50_000, 20, 20)


@pytest.fixture
def staff_ctx(tmp_path: Path, sqlite_url: str, clock: Clock) -> Iterator[Context]:
    """The staff console's morning (tests/ui and the presenter's unit tests): Thursday 26
    November 2026, 9:00, the stopover open at Ducos; two animatrices (Marie
    1357, Rose 8642) and the coordinator (Josiane 2468)."""
    from kiosk.core import services, staff

    ctx = open_context(Settings(data_dir=tmp_path, database_url=sqlite_url))
    ctx.clock = clock
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Marie", "animatrice", "1357")
    staff.add_staff(ctx, "Rose", "animatrice", "8642")
    staff.add_staff(ctx, "Josiane", "coordinator", "2468")
    yield ctx
    ctx.dispose()


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


# ------------------------------------------------------------ the order tests are handed out

# `make test` runs the suite on workers that steal work (--dist worksteal): each starts with an
# equal run of the list, in order, and a worker that is done takes the second half of the longest
# queue left. So the tests are ranked (marked `long` first, then the real windows, the kiosk's
# screens, the fuzz, the services, the commands, the units) and dealt one by one to the workers'
# runs, like cards, the real windows all to the first: each run goes from its slow tests to its
# quick ones, and what is stolen at the end is quick. In file order a one-minute test came last and one worker ran it alone while
# the others had finished. Every worker computes the same order (xdist requires it).
_FOLDERS_FIRST = ("e2e", "ui", "fuzz", "service", "cli", "unit")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[bool, int]:
        name = item.path.parent.name
        return (item.get_closest_marker("long") is None,
                _FOLDERS_FIRST.index(name) if name in _FOLDERS_FIRST else len(_FOLDERS_FIRST))

    ranked = sorted(items, key=rank)  # stable: files and tests keep their order within a rank
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    # the real windows share one screen and take it in turn (tests/e2e/conftest.py): dealt to
    # several workers they kept all but one waiting for it; they go first to the first worker
    windows = [item for item in ranked if item.path.parent.name == "e2e"]
    dealt = [item for item in ranked if item.path.parent.name != "e2e"]
    runs: list[list[pytest.Item]] = [[] for _ in range(workers)]
    runs[0] += windows
    for item in dealt:  # the next card to the run that holds the fewest
        min(runs, key=len).append(item)
    items[:] = [item for run in runs for item in run]


# ------------------------------------------------------------ backend bookkeeping

_passed: dict[str, int] = {b: 0 for b in BACKENDS}
_BACKEND_ID = {b: re.compile(rf"[\[-]{b}[\]-]") for b in BACKENDS}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for backend, pattern in _BACKEND_ID.items():
            if pattern.search(report.nodeid):
                _passed[backend] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = ", ".join(f"{b}: {n} passed" for b, n in _passed.items())
    terminalreporter.write_line(f"database backends: {counts}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # only the controller sees every report
    missing = [b for b in REQUIRED if _passed.get(b, 0) == 0]
    if missing and exitstatus == 0:
        print(f"\nERROR: no test passed on required backend(s): {', '.join(missing)}")
        session.exitstatus = 1
