"""The bus's two apps as two real processes on one Xvfb screen, side by side: a ticket taken by a
click on the kiosk shows on the console, the console calls it, the kiosk shows the banner."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from PIL import Image
from sqlalchemy import select

from db.models import Desk, Ticket
from kiosk import services, staff
from kiosk.config import Settings
from kiosk.context import open_context
from screens import theme
from tests.e2e.test_visitor_xvfb import (
    GREEN,
    centre_of,
    click,
    screenshot,
    visible_window,
    wait_for,
    window_id,
    x,
)

# one virtual screen for all: the end-to-end tests run one after the other in one worker
pytestmark = pytest.mark.xdist_group("xvfb")

YELLOW = tuple(round(c * 255) for c in theme.BANNER[:3])
PANEL = tuple(round(c * 255) for c in theme.PANEL[:3])
HALF = 960


def half(image: Image.Image, right: bool) -> Image.Image:
    return image.crop((HALF, 0, 2 * HALF, 600) if right else (0, 0, HALF, 600))


def shifted(point: tuple[int, int], right: bool) -> tuple[int, int]:
    return (point[0] + HALF, point[1]) if right else point


def has_colour(image: Image.Image, colour: tuple[int, ...], at_least: int = 200) -> bool:
    try:
        centre_of(image, colour)
    except AssertionError:
        return False
    return True


def test_kiosk_and_console_talk_through_the_database(xvfb, tmp_path, sqlite_url):
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(data_dir=data, database_url=sqlite_url)
    ctx = open_context(settings)
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Marie", "animatrice", "1357")
    env = {**os.environ, "DISPLAY": xvfb, "KIOSK_DATA_DIR": str(data),
           "KIOSK_DATABASE_URL": sqlite_url, "SDL_AUDIODRIVER": "dummy"}
    env.pop("SDL_VIDEODRIVER", None)
    kiosk = [sys.executable, "-m", "kiosk"]
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("visitor", "console")}
    visitor = subprocess.Popen([*kiosk, "visitor", "--size", f"{HALF}x600", "--position", "0,0"],
                               env=env, stdout=logs["visitor"], stderr=subprocess.STDOUT)
    console = subprocess.Popen([*kiosk, "staff", "--size", f"{HALF}x600", "--position",
                                f"{HALF},0"], env=env, stdout=logs["console"],
                               stderr=subprocess.STDOUT)

    def both_windows() -> bool:
        for name, proc in (("visitor", visitor), ("console", console)):
            if proc.poll() is not None:
                log = (tmp_path / f"{name}.log").read_text()[-2000:]
                raise AssertionError(f"the {name} ended ({proc.returncode}): {log}")
        return (visible_window(xvfb, "Borne PLUS")
                and visible_window(xvfb, "Borne PLUS – console"))

    try:
        wait_for(both_windows, timeout=60, what="both windows")
        time.sleep(2.0)
        # the animatrice logs in on her keyboard: one account, desk 1 by default
        console_window = window_id(xvfb, "Borne PLUS – console")
        x("xdotool", "windowfocus", "--sync", console_window, display=xvfb)
        x("xdotool", "type", "--delay", "80", "1357", display=xvfb)
        x("xdotool", "key", "Return", display=xvfb)

        def logged_in() -> bool:
            with ctx.read() as s:
                return s.get(Desk, 1).staff_id is not None

        wait_for(logged_in, what="animatrice at desk 1")
        time.sleep(1.0)
        screen = screenshot(xvfb, "e2e-10-deux-ecrans")
        assert has_colour(half(screen, right=True), GREEN), "console: 'Appeler le suivant'"

        # a visitor takes a ticket with two clicks on the kiosk
        click(xvfb, centre_of(half(screen, right=False), GREEN))
        time.sleep(0.8)
        click(xvfb, centre_of(half(screenshot(xvfb, "e2e-11-organisme"), right=False), GREEN))

        def taken() -> bool:
            with ctx.read() as s:
                return s.scalar(select(Ticket.state).where(Ticket.number == 1)) == "waiting"

        wait_for(taken, what="ticket taken at the kiosk")
        started = time.monotonic()
        wait_for(lambda: has_colour(half(screenshot(xvfb, "e2e-12-ticket-sur-console"),
                                         right=True), PANEL, 2000),
                 timeout=5, what="ticket row on the console")
        assert time.monotonic() - started < 3.0

        # the console calls it with one click on the green button
        screen = screenshot(xvfb, "e2e-12-ticket-sur-console")
        click(xvfb, shifted(centre_of(half(screen, right=True), GREEN), right=True))

        def called() -> bool:
            with ctx.read() as s:
                return s.execute(select(Ticket.state, Ticket.desk_id)
                                 .where(Ticket.number == 1)).one() == ("called", 1)

        wait_for(called, what="ticket called from the console")
        wait_for(lambda: has_colour(half(screenshot(xvfb, "e2e-13-bandeau"), right=False),
                                    YELLOW), timeout=5, what="banner on the kiosk")
        assert visitor.poll() is None and console.poll() is None
    finally:
        for proc in (visitor, console):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        ctx.dispose()
