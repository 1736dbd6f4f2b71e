"""Starts a kiosk app: Kivy settings that must be fixed before the window exists, then run.

Kiosk lock: full screen (or a borderless window at a given place), no Escape, no cursor, no
multitouch dots, no screensaver; the window's close button is refused by the app itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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


def run_visitor(settings, display: Display) -> None:  # type: ignore[no-untyped-def]
    configure(display, settings.data_dir / "kivy")
    from kiosk.context import open_context
    from kiosk.visitor import VisitorService
    from screens.visitor_app import KioskOptions, run

    ctx = open_context(settings)
    service = VisitorService(ctx)
    run(service, KioskOptions(idle_seconds=settings.idle_seconds,
                              ticket_seconds=settings.ticket_seconds,
                              staff_pin=settings.staff_exit_pin))


def run_staff(settings, display: Display) -> None:  # type: ignore[no-untyped-def]
    # the console is a normal desktop window: a cursor, a keyboard for the partner's name
    configure(Display(display.fullscreen, display.size, display.position, locked=False),
              settings.data_dir / "kivy")
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from kiosk.console import StaffService
    from kiosk.context import open_context
    from screens.staff_app import run

    run(StaffService(open_context(settings)))
