"""Starts a kiosk app: Kivy settings that must be fixed before the window exists, then run.

Kiosk lock: full screen (or a borderless window at a given place), no Escape, no cursor, no
multitouch dots, no screensaver; the window's close button is refused by the app itself.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

# how often the Kivy thread looks whether the system asked the app to stop
STOP_CHECK_SECONDS = 0.1


@dataclass(frozen=True)
class Display:
    fullscreen: bool = True
    size: tuple[int, int] | None = None      # borderless window of this size...
    position: tuple[int, int] = (0, 0)       # ...at this place (two screens side by side)
    locked: bool = True                       # False: a normal window with a cursor (demo)

    @classmethod
    def parse(cls, text: str, locked: bool = True) -> Display:
        """"fullscreen" or "WIDTHxHEIGHT+LEFT+TOP" (the settings file's form)."""
        if text == "fullscreen":
            return cls(fullscreen=True, locked=locked)
        size, left, top = text.split("+")
        width, height = size.split("x")
        return cls(fullscreen=False, size=(int(width), int(height)),
                   position=(int(left), int(top)), locked=locked)


def configure_rendering() -> None:
    """Rendering settings shared by the real apps and the in-process tests and benchmarks."""
    from kivy.config import Config

    # flat shapes and text need no antialiasing of edges: multisampling only costs memory
    # (two 32 MB buffers at 1920x1080 with the software renderer) and frame time
    Config.set("graphics", "multisamples", "0")


def configure(display: Display, kivy_home: Path) -> None:
    os.environ.setdefault("KIVY_HOME", str(kivy_home))
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("SDL_VIDEO_X11_XRANDR", "0")  # two X screens: stay on ours
    # SDL would turn SIGTERM and SIGINT into a window close, which the kiosk lock refuses:
    # the system's signals are ours to handle (stop_on_signals), not the window's
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "window_icon", "")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "allow_screensaver", "0")
    configure_rendering()
    Config.set("graphics", "show_cursor", "0" if display.locked else "1")
    if display.size is not None:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "1" if display.locked else "0")
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", str(display.position[0]))
        Config.set("graphics", "top", str(display.position[1]))
        Config.set("graphics", "width", str(display.size[0]))
        Config.set("graphics", "height", str(display.size[1]))
    elif display.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
    Config.set("graphics", "resizable", "0" if display.locked else "1")


def stop_on_signals() -> threading.Event:
    """SIGTERM (systemctl stop, a shutdown) and SIGINT (Ctrl+C) stop the app cleanly: on_stop
    stops the workers, the window closes, `kiosk` exits 0. The kiosk lock refuses a visitor's
    keys and the window's close, never the system's signals.

    The handler only sets a flag: it runs on the Kivy thread between two bytecodes, possibly
    while the Clock holds its (non-reentrant) lock, so it must not call the Clock itself. A
    Clock interval sees the flag within STOP_CHECK_SECONDS and calls App.stop there."""
    requested = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        requested.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    from kivy.app import App
    from kivy.clock import Clock

    def check(_dt: float) -> None:
        app = App.get_running_app()
        if requested.is_set() and app is not None:
            Clock.unschedule(check)
            app.stop()

    Clock.schedule_interval(check, STOP_CHECK_SECONDS)
    return requested


def run_visitor(settings, display: Display) -> None:  # type: ignore[no-untyped-def]
    configure(display, settings.data_dir / "kivy")
    stop_on_signals()
    from kiosk.apps.visitor import VisitorService
    from kiosk.core.context import open_context
    from screens.visitor_app import KioskOptions, run

    ctx = open_context(settings)
    ctx.keep_last_good_catalogue = True  # a file broken while it runs must not stop the kiosk
    service = VisitorService(ctx)
    run(service, KioskOptions(idle_seconds=settings.idle_seconds,
                              ticket_seconds=settings.ticket_seconds,
                              staff_pin=settings.staff_exit_pin,
                              creole_voice=settings.creole_voice))


def run_staff(settings, display: Display) -> None:  # type: ignore[no-untyped-def]
    # the console is a normal desktop window: a cursor, a keyboard for the partner's name
    configure(Display(display.fullscreen, display.size, display.position, locked=False),
              settings.data_dir / "kivy")
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    stop_on_signals()
    from kiosk.apps.console import StaffService
    from kiosk.core.context import open_context
    from screens.staff_app import run

    ctx = open_context(settings)
    ctx.keep_last_good_catalogue = True
    run(StaffService(ctx))
