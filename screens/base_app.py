"""What both apps share: sizes scaled from a 1920x1080 design, French texts, pictograms, and the
live board: poll the queue revision every half second in the worker, fetch the board only when
the revision changed, hand it to `show_board` on the Kivy thread."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from kiosk.content import i18n
from kiosk.system.config import ASSETS_DIR
from screens import theme
from screens.worker import Worker, release_free_memory

POLL_SECONDS = 0.5
TRIM_SECONDS = 30.0  # give the C heap's free pages back to the system this often


class BoardApp(App):
    # u: design pixels -> window pixels; zoom: the "larger text" button; k = u x zoom
    u = NumericProperty(1.0)
    zoom = NumericProperty(1.0)
    k = NumericProperty(1.0)
    min_font = NumericProperty(theme.MIN_FONT)
    font_regular = StringProperty(str(ASSETS_DIR / "fonts" / "DejaVuSans.ttf"))
    font_bold = StringProperty(str(ASSETS_DIR / "fonts" / "DejaVuSans-Bold.ttf"))
    language = StringProperty(i18n.DEFAULT_LANGUAGE)
    service = ObjectProperty(None)

    def __init__(self, service: Any, worker: Worker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.service = service
        self.catalogue = service.catalogue()
        self.poll_worker = worker
        self._revision: int | None = None
        self._polling = False

    def refresh_catalogue(self) -> None:
        """Take the catalogue the core uses now, read off the screen's thread: the screens and
        the core share one catalogue, and a file changed on disk shows on the screens from
        the next visitor on (before, a removed procedure kept its tile and was then refused)."""
        self.poll_worker.submit(self.service.catalogue, on_done=self._on_catalogue)

    def _on_catalogue(self, catalogue: Any) -> None:
        self.catalogue = catalogue

    # ------------------------------------------------------------ texts and sizes

    def t(self, key: str, *_bind: Any, **values: Any) -> str:
        """A French text; extra positional arguments only make kv re-evaluate on change."""
        return i18n.t(key, self.language, **values)

    def pictogram(self, name: str) -> str:
        return str(ASSETS_DIR / "pictograms" / f"{name}.png")

    # The smallest text is in window pixels (28 px on the kiosk: readable at arm's length on
    # the bus's screens, 1280x800 and up). A window smaller than that, as in `kiosk demo`'s two
    # half-screen windows, is a preview: its smallest text shrinks in proportion, so that it
    # shows the same layout as 1280x800, smaller, instead of 28 px words that no longer fit.
    SMALLEST_SCREEN = (1280, 800)
    smallest_text = theme.MIN_FONT  # this app's smallest text at full size, in window pixels

    def _rescale(self, *_args: Any) -> None:
        width, height = Window.size
        self.u = min(width / 1920, height / theme.DESIGN_HEIGHT)
        self.k = self.u * self.zoom
        preview = min(1.0, width / self.SMALLEST_SCREEN[0], height / self.SMALLEST_SCREEN[1])
        self.min_font = self.smallest_text * self.zoom * max(preview, 0.4)

    def on_zoom(self, *_args: Any) -> None:
        self._rescale()

    # ------------------------------------------------------------ live board

    def start_polling(self) -> None:
        Clock.schedule_interval(self._poll, POLL_SECONDS)
        Clock.schedule_interval(self._trim, TRIM_SECONDS)

    def stop_polling(self) -> None:
        """An App that stops leaves no clock of its own running (a second App in the same
        process, as in the tests, would otherwise pay for the first one's polls)."""
        Clock.unschedule(self._poll)
        Clock.unschedule(self._trim)

    def _trim(self, _dt: float) -> None:
        # textures and texts drawn then dropped leave free holes that glibc keeps: measured on
        # the console, 37 MB given back after forty openings of the procedure list
        self.poll_worker.submit(release_free_memory)

    def refresh_now(self) -> None:
        """Our own write changed the queue: fetch the board at the next poll."""
        self._revision = -1

    def _poll(self, _dt: float) -> None:
        if self._polling:
            return
        self._polling = True
        self.poll_worker.submit(self.service.revision, on_done=self._on_revision,
                                on_error=self._poll_failed)

    def _poll_failed(self, exc: BaseException) -> None:
        self._polling = False
        self.board_unreachable(exc)

    def _on_revision(self, revision: int) -> None:
        self.board_reachable()
        if revision == self._revision:
            self._polling = False
            return
        self.poll_worker.submit(self.service.board, on_done=self._on_board,
                                on_error=self._poll_failed)

    def _on_board(self, board: Any) -> None:
        self._polling = False
        self.show_board(board)

    def show_board(self, board: Any) -> None:
        raise NotImplementedError

    def board_unreachable(self, exc: BaseException) -> None:
        """The database did not answer; the next poll tries again."""

    def board_reachable(self) -> None:
        """A poll got its answer: the database is there (again)."""
