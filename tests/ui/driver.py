"""Drives the real app on the real (offscreen) window by touches, for the tests and benchmarks.

The app is built without App.run(): the caller pumps Kivy's event loop itself, so it can wait for
the background workers' results exactly like the screen does. No pytest here: the benchmarks
import this module and measure the app's memory, not the test runner's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "offscreen"  # the tests never need a real screen

from kivy.config import Config  # noqa: E402

from screens.launch import configure_rendering  # noqa: E402

# The offscreen framebuffer keeps the size the window is created with: make it the largest one.
Config.set("graphics", "width", "1920")
Config.set("graphics", "height", "1080")
Config.set("input", "mouse", "mouse,disable_multitouch")
configure_rendering()  # as the real apps render

from kivy.app import App  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
# A wait only catches a hang: on a loaded machine (the suite in parallel, a CPU hog) a frame can
# take a second, so the tests never decide anything by how soon a condition came true.
HANG_SECONDS = 60.0


class Driver:
    """Taps, waits and screenshots on a running kiosk app."""

    def __init__(self, app: App) -> None:
        self.app = app

    def pump(self, frames: int = 1) -> None:
        for _ in range(frames):
            EventLoop.idle()

    def wait(self, condition: Callable[[], bool], timeout: float = HANG_SECONDS,
             what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                app = self.app
                state = {k: getattr(app, k, None) for k in ("busy", "notice", "message")}
                presence = getattr(getattr(app, "path", None), "presence", None)
                state["idle returns"] = getattr(presence, "returns", None)
                state["ignored taps"] = getattr(app.manager, "ignored", None)
                raise AssertionError(
                    f"timed out waiting for {what or condition}: screen={app.manager.current} "
                    f"{state}")
            EventLoop.idle()
            time.sleep(0.005)

    def settle(self, seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            EventLoop.idle()
            time.sleep(0.005)

    def count_polls(self) -> list[float]:
        """From now on, every poll of the queue revision (the live board's tick, every 0.5 s)
        appends its time to the returned list: a test counts the polls that passed before the
        screen showed a change, rather than the seconds, which a loaded machine stretches."""
        service = self.app.service
        asked = service.revision
        polls: list[float] = []

        def revision() -> int:
            polls.append(time.monotonic())
            return asked()

        service.revision = revision
        return polls

    @property
    def screen(self) -> str:
        return self.app.manager.current

    def find(self, name: str | None = None, text: str | None = None):
        """A widget by its `name` (or its text), in an open modal first, else on the screen."""
        from kivy.uix.modalview import ModalView

        roots = [c for c in Window.children if isinstance(c, ModalView)]
        roots.append(self.app.manager.current_screen)
        for root in roots:
            for widget in root.walk(restrict=True):
                if widget is root:
                    continue
                if name is not None and getattr(widget, "name", None) == name:
                    return widget
                if text is not None and getattr(widget, "text", None) == text:
                    return widget
        raise AssertionError(f"no widget {name or text!r} on screen {self.screen!r}")

    def has(self, name: str) -> bool:
        try:
            self.find(name)
        except AssertionError:
            return False
        return True

    def tap_at(self, x: float, y: float) -> None:
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(2)

    def tap(self, name: str | None = None, text: str | None = None) -> None:
        # as a person does: wait for the screen to stop moving before pressing
        self.wait(lambda: not self.app.manager.transition.is_active, what="transition")
        # the kiosk ignores taps on a screen that just appeared (screens/attention.py)
        self.wait(lambda: getattr(self.app.manager, "settled", True), what="screen settled")
        self.pump(3)
        widget = self.find(name, text)
        assert not widget.disabled, f"{name or text} is disabled"
        x, y = widget.to_window(widget.center_x, widget.center_y)
        self.tap_at(x, y)

    def take_ticket(self, operator: str, procedure: str | None = None,
                    priority: bool = False) -> None:
        """Accueil -> Organisme -> (Démarche ->) Ticket, by taps, as a visitor does."""
        self.tap("take_priority" if priority else "take")
        self.wait(lambda: self.screen == "organisme")
        self.tap(f"operator:{operator}")
        if procedure is not None:
            self.wait(lambda: self.screen == "demarche")
            self.choose_procedure(procedure)
        self.wait(lambda: self.screen == "ticket", what="ticket screen")

    def choose_procedure(self, procedure: str) -> None:
        """On Démarche, tap the procedure's row; on a crowded organism, its group's first."""
        self.pump(2)
        found = self.app.catalogue.procedure(procedure)
        if found is not None and found.group and not self.has(f"procedure:{procedure}"):
            self.tap(f"group:{found.group}")
            self.wait(lambda: self.has(f"procedure:{procedure}"), what=f"group {found.group}")
        self.tap(f"procedure:{procedure}")

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.settle(0.35)  # let the fade transition finish
        Window.screenshot(str(path))
        # Window.screenshot numbers its files (name0001.png): keep the plain name
        numbered = sorted(SCREENSHOTS.glob(f"{name}[0-9][0-9][0-9][0-9].png"))
        if numbered:
            numbered[-1].replace(path)
        return path


def _start(app, ready, size) -> Driver:
    """Build a real app on the shared offscreen window, as App.run() would, without its loop."""
    EventLoop.ensure_window()
    App._running_app = app
    Window.size = size
    root = app.build()
    app.root = root
    Window.add_widget(root)
    driver = Driver(app)
    driver.wait(lambda: ready(app), what="first board")
    driver.settle(0.2)
    return driver


def start_app(service, options, size=(1920, 1080)) -> Driver:
    from screens.visitor_app import VisitorApp

    return _start(VisitorApp(service, options), lambda app: app._revision is not None, size)


def start_staff_app(service, size=(1920, 1080)) -> Driver:
    from screens.staff_app import StaffApp

    return _start(StaffApp(service), lambda app: app.board is not None, size)


def stop_app(driver: Driver) -> None:
    from kivy.uix.modalview import ModalView

    from screens.worker import Worker

    app = driver.app
    Clock.unschedule(app._poll)
    Clock.unschedule(app._trim)
    if hasattr(app, "_check_idle"):
        Clock.unschedule(app._check_idle)
    # Every answer the app still waits for comes back first, however slow the machine: a late
    # one ran in the next test's frames and opened its dialog over the next app (the print
    # offer of a ticket taken on behalf took the next login's taps). A job that never ends is
    # left behind after HANG_SECONDS, as before.
    workers = [w for w in vars(app).values() if isinstance(w, Worker)]
    deadline = time.monotonic() + HANG_SECONDS
    while any(w.pending > 0 for w in workers) and time.monotonic() < deadline:
        EventLoop.idle()
        time.sleep(0.005)
    for child in list(Window.children):
        if isinstance(child, ModalView):
            child.dismiss(animation=False)
    for child in list(Window.children):
        Window.remove_widget(child)
    app.dispatch("on_stop")  # also releases kv's cached `app`
    App._running_app = None
