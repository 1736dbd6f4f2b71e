"""In-process Kivy tests: the real app on the real (offscreen) window, driven by touches
(tests/ui/driver.py)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk.apps.console import StaffService
from kiosk.apps.visitor import VisitorService
from kiosk.core.context import open_context
from kiosk.core.services import open_stopover
from kiosk.output.printing import FilePrinter
from kiosk.system.config import Settings
from tests.conftest import DEFAULT_NOW
from tests.ui.driver import Driver, start_app, start_staff_app, stop_app

# The kiosk's day in the UI tests: named, never the machine's. Thursday 26 November 2026, 9:00,
# a working morning of the bus (the services' tests use the same day, tests/conftest.py).
KIOSK_MORNING = DEFAULT_NOW


class RunningClock:
    """A fixed day and hour that then runs with the machine's monotonic time: the kiosk's screens
    are the same whatever day and hour the suite runs at (a ticket taken after the stop's closing
    time rightly says so instead of a wait), while waits and idle delays still see time pass."""

    def __init__(self, start: dt.datetime = KIOSK_MORNING) -> None:
        self.start = start
        self.began = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=int(time.monotonic() - self.began))


@pytest.fixture
def visitor_ctx(tmp_path: Path, sqlite_url: str):
    ctx = open_context(Settings(data_dir=tmp_path, database_url=sqlite_url))
    ctx.clock = RunningClock()
    open_stopover(ctx, "ducos-bourg")
    yield ctx
    ctx.dispose()


def start_kiosk(ctx, tmp_path: Path) -> Driver:
    """The real kiosk on this context, printing to a folder (45 s idle, staff PIN 2468)."""
    from screens.visitor_app import KioskOptions

    service = VisitorService(ctx, printer=FilePrinter(tmp_path / "printed"))
    return start_app(service, KioskOptions(idle_seconds=45, staff_pin="2468"))


@pytest.fixture
def kiosk_app(visitor_ctx, tmp_path) -> Iterator[Driver]:
    driver = start_kiosk(visitor_ctx, tmp_path)
    yield driver
    stop_app(driver)


@pytest.fixture
def console(staff_ctx) -> Iterator[Driver]:
    driver = start_staff_app(StaffService(staff_ctx))
    yield driver
    stop_app(driver)


@contextmanager
def before_the_idle_return(k: Driver, idle_seconds: float) -> Iterator[None]:
    """Taps on a kiosk whose screens wait only `idle_seconds` for a touch: a machine so slow that
    the kiosk went back to Accueil by itself, or forgot the large text or Kréyòl asked on
    Accueil, between the test's taps (frames of more than a second while the first Organisme is
    built, under a CPU hog) cannot play the test, it skips (what comes after, not these taps, is
    what the test is about)."""
    presence = k.app.path.presence
    returns, forgets = presence.returns, presence.forgets
    try:
        yield
    except AssertionError:
        if presence.returns > returns or presence.forgets > forgets:
            pytest.skip(f"machine too slow: the kiosk went back by itself (no touch for "
                        f"{idle_seconds:g} s) between the test's taps")
        raise
