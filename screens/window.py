"""Accueil's window on the agglomeration and the visitors' opinion.

- PanelWindow: the information panels (kiosk/content/panels.py), one at a time, the next every 12 s:
  a plain switch, no animation (nothing flashes at the edge of an elderly visitor's eye). The
  list is asked again at each turn, in the background: a file copied from a USB key shows at the
  next turn, a panel past its end date leaves. In the kiosk's language.
- OpinionFaces: "Votre avis ?" and three faces (content, moyen, pas content) with their words.
  One tap records the answer in the background and shows "Merci !" for a few seconds, over
  Accueil, which stays where it was. Hidden while no stopover is open (nothing would count).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.system.config import ASSETS_DIR
from screens import theme
from screens.widgets import MARGIN, HidingBox, _TextBox

log = logging.getLogger("borne-plus")

ROTATION_SECONDS = 12.0
THANKS_SECONDS = 3.0
ICON_FONT = str(ASSETS_DIR / "fonts" / "fa-solid-900.ttf")
# Font Awesome Free 6 solid: face-smile, face-meh, face-frown (see assets/pictograms/LICENSE.md)
FACES = (("content", "\uf118", theme.FACE_CONTENT), ("moyen", "\uf11a", theme.FACE_MOYEN),
         ("pas_content", "\uf119", theme.FACE_PAS_CONTENT))
THANKS_GLYPH = "\uf118"
# a panel's layout (design pixels), shared with window.kv's PanelWindow
PANEL_PADDING, PANEL_SPACING, LINE_GAP = 20, 22, 6
TITLE_PX, BODY_PX, BODY_LINE_HEIGHT = 34, 28, 1.1
IMAGE_SHARE = 0.3  # the picture's width, as a share of the words' width
GROW = (1.4, 1.2, 1.0)  # the panel's words larger than their size when the room allows


class _NextPassages:
    """The first panel of the turn: the bus's next passages in this commune (the board's, in
    the kiosk's language), when there are some."""

    id = "passages"
    image = ASSETS_DIR / "panels" / "calendrier-du-bus.png"

    def __init__(self, app: Any) -> None:
        self.app = app

    def texts(self, _language: str) -> tuple[str, tuple[str, ...]]:
        return self.app.passages_title.rstrip(" :"), tuple(self.app.passages[:3])


class PanelWindow(HidingBox):
    """The panel on show; `shown` is False when there is none (the space stays empty)."""

    title = StringProperty("")
    body = StringProperty("")
    image = StringProperty("")
    panel_id = StringProperty("")
    text_scale = NumericProperty(1.0)
    roomy = BooleanProperty(True)  # the room left holds at least the panel's title
    turns = NumericProperty(0)  # panels shown so far (tests wait on it)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown = False
        self._panels: tuple[Any, ...] = ()
        self._index = -1
        self._app: Any = None
        self._event: Any = None
        self._asking = False
        self._title, self._lines, self._image = "", (), ""
        self._refit = Clock.create_trigger(self._fit, -1)
        self.bind(size=self._refit)
        Clock.schedule_once(self._start, 0)

    def _start(self, _dt: float) -> None:
        app = App.get_running_app()
        if app is None or not hasattr(app.service, "panels"):
            return
        self._app = app
        options = getattr(app, "options", None)
        interval = float(getattr(options, "panel_seconds", ROTATION_SECONDS))
        self._event = Clock.schedule_interval(self._turn, interval)
        app.bind(language=self._render, passages=self._render, k=self._refit,
                 min_font=self._refit)
        self._turn(0)

    def _turn(self, _dt: float) -> bool | None:
        app = self._app
        if app is None or App.get_running_app() is not app:
            return False  # that app has stopped (tests start several in one process)
        if not self._asking:
            self._asking = True
            app.db.submit(app.service.panels, on_done=self._got, on_error=self._failed)
        return None

    def _failed(self, exc: BaseException) -> None:
        self._asking = False
        log.warning("kiosk: panels not read: %r", exc)  # the panel on show stays

    def _got(self, panels: tuple[Any, ...]) -> None:
        self._asking = False
        current = self._panels[self._index] if 0 <= self._index < len(self._panels) else None
        passages = (_NextPassages(self._app),) if self._app.passages else ()
        self._panels = (*passages, *panels)
        if not self._panels:
            self._index = -1
        else:
            # the next one after the panel on show, even when the list changed under it
            ids = [p.id for p in self._panels]
            at = ids.index(current.id) if current is not None and current.id in ids else -1
            self._index = (at + 1) % len(self._panels)
            self.turns += 1
        self._render()

    def _render(self, *_args: Any) -> None:
        if self._index < 0 or self._app is None:
            self.shown = False
            self.panel_id = ""
            return
        panel = self._panels[self._index]
        title, lines = panel.texts(self._app.language)
        self._title, self._lines = title, tuple(lines)
        self._image = str(panel.image) if panel.image else ""
        self.panel_id = panel.id
        self.shown = True
        self._fit()

    def _fit(self, *_args: Any) -> None:
        """Title and lines at their size, never a word cut: the picture goes first when the
        words need its room, then the last lines (large text at 1280x800 with three calls
        above leaves room for the title and a line: as Accueil showed one passage there)."""
        app = self._app
        if app is None or not self.shown or self.width <= 1:
            return
        pad, gap = PANEL_PADDING * app.u, PANEL_SPACING * app.u
        width, height = self.width - 2 * pad, (self.height - 2 * pad) * MARGIN

        def needed(scale: float, text_width: float, lines: tuple[str, ...]) -> float:
            title_px = max(app.min_font, TITLE_PX * app.k) * scale
            body_px = max(app.min_font, BODY_PX * app.k) * scale
            used = _TextBox(self._title, app.font_bold, True, title_px, text_width).height_at(1)
            if lines:
                used += LINE_GAP * app.u + _TextBox("\n".join(lines), app.font_regular, False,
                                                    body_px, text_width,
                                                    line_height=BODY_LINE_HEIGHT).height_at(1)
            return used

        beside = (width - gap) / (1 + IMAGE_SHARE)  # the words' width beside the picture
        pictures = (True, False) if self._image else (False,)
        # the whole panel, picture first (it speaks to who reads little), as large as the room
        # allows (few calls above: larger words); else at its size with fewer things
        tries = [(scale, len(self._lines), picture) for picture in pictures for scale in GROW]
        tries += [(1.0, count, picture) for count in range(len(self._lines) - 1, -1, -1)
                  for picture in pictures]
        for scale, count, with_image in tries:
            text_width = beside if with_image else width
            if needed(scale, text_width, self._lines[:count]) <= height:
                self.text_scale = scale
                self.title = self._title
                self.body = "\n".join(self._lines[:count])
                self.image = self._image if with_image else ""
                self.roomy = True
                return
        self.roomy = False  # not even the title: the window stays empty rather than overlap


class FaceButton(ButtonBehavior, BoxLayout):
    name = StringProperty("")
    answer = StringProperty("")
    glyph = StringProperty("")
    word = StringProperty("")
    tint = ColorProperty(theme.TEXT)
    icon_font = StringProperty(ICON_FONT)


class ThanksView(ModalView):
    """"Merci !" over Accueil for a few seconds; a tap closes it sooner. It takes every touch
    while open: a second tap on a face is not a second answer."""

    glyph = StringProperty(THANKS_GLYPH)
    icon_font = StringProperty(ICON_FONT)
    seconds = NumericProperty(THANKS_SECONDS)

    def on_open(self) -> None:
        self._closing = Clock.schedule_once(lambda _dt: self.dismiss(), self.seconds)

    def on_dismiss(self) -> None:
        closing = getattr(self, "_closing", None)
        if closing is not None:
            closing.cancel()

    def on_touch_down(self, touch: Any) -> bool:
        self.dismiss()
        return True


class OpinionFaces(HidingBox):
    busy = BooleanProperty(False)
    faces = FACES

    def give(self, answer: str) -> None:
        app = App.get_running_app()
        if app is None or not self.shown:
            return
        thanks = ThanksView()
        thanks.open()
        app.db.submit(app.service.feedback, answer, on_done=lambda counted: None,
                      on_error=lambda exc: log.warning("kiosk: opinion not recorded: %r", exc))


Builder.load_file(str(Path(__file__).with_name("window.kv")))
