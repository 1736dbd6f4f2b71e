"""In-process Kivy tests: the real app on the real (offscreen) window, driven by touches
(tests/ui/driver.py)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.context import open_context
from kiosk.printing import FilePrinter
from kiosk.services import open_stopover
from kiosk.visitor import VisitorService
from tests.ui.driver import Driver, start_app, stop_app


class MorningClock:
    """Today at 9:00, running: the kiosk's tests must not depend on the hour the suite runs at
    (a ticket taken after the stop's closing time rightly says so instead of a wait), while
    waits and idle delays still see time pass."""

    def __init__(self) -> None:
        self.start = dt.datetime.combine(dt.date.today(), dt.time(9, 0))
        self.began = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=int(time.monotonic() - self.began))


@pytest.fixture
def visitor_ctx(tmp_path: Path, sqlite_url: str):
    ctx = open_context(Settings(data_dir=tmp_path, database_url=sqlite_url))
    ctx.clock = MorningClock()
    open_stopover(ctx, "ducos-bourg")
    yield ctx
    ctx.dispose()


@pytest.fixture
def kiosk_app(visitor_ctx, tmp_path) -> Iterator[Driver]:
    from screens.visitor_app import KioskOptions

    service = VisitorService(visitor_ctx, printer=FilePrinter(tmp_path / "printed"))
    driver = start_app(service, KioskOptions(idle_seconds=45, staff_pin="2468"))
    yield driver
    stop_app(driver)
