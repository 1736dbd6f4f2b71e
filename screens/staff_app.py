"""The animatrices' console on the second screen: log in with a PIN, choose a desk, see the queue
live, call with one tap, record each visit's demandes.

The App wires and renders: its Kivy properties, the screens, the worker and the clocks. What the
console decides lives in its presenter, `self.console` (kiosk/apps/presenter.py, plain Python,
tested without a window); the kv files and dialogs call it directly (`app.console.call_next()`)
and the presenter's state comes back onto the properties below, which kv binds to.

It talks to the core only through kiosk.apps.console.StaffService, in a background worker, and
refreshes when the queue revision changes (polled every 0.5 s), so a ticket taken at the kiosk
appears here within a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.apps import console_words as words
from kiosk.apps.ports import ConsolePort
from kiosk.apps.presenter import ConsolePresenter, ConsoleState, Timer
from screens import theme
from screens.base_app import BoardApp
from screens.worker import Worker

log = logging.getLogger("borne-plus")
HERE = Path(__file__).parent

# a file edit changes no queue revision: the catalogue files are looked at on their own clock
CATALOGUE_CHECK_SECONDS = 2.0
# nor does a new account: the login screen's names are asked again this often while it shows
# (an account made from the command line or another console appears without a restart)
MEMBERS_CHECK_SECONDS = 5.0
COORDINATOR_SCREENS = ("statistics", "team")


class KivyLater:
    """The presenter's timers, on Kivy's clock."""

    def after(self, seconds: float, callback: Callable[[], None]) -> Timer:
        event: Timer = Clock.schedule_once(lambda _dt: callback(), seconds)
        return event


class StaffApp(BoardApp):
    min_font = NumericProperty(20)
    smallest_text = 20  # the console is read from the desk's chair, not at arm's length

    # the presenter's state (kiosk.apps.presenter.ConsoleState), copied here for kv
    # who is working where
    staff_id = NumericProperty(0)
    staff_name = StringProperty("")
    role = StringProperty("")
    desk = NumericProperty(0)
    desk_status = StringProperty("closed")
    members = ListProperty([])
    communes = ListProperty([])  # (INSEE, name) of the itinerary: the residence choices

    # the live board
    stopover_text = StringProperty("")
    is_open = BooleanProperty(False)
    serving = BooleanProperty(False)  # open and within its half-day (DeskView.serving)
    counts_text = StringProperty("")
    queue_rows = ListProperty([])
    desks_text = StringProperty("")
    current = DictProperty({})
    current_number = StringProperty("")
    current_state = StringProperty("")
    current_text = StringProperty("")
    selected = NumericProperty(0)
    status_text = StringProperty("")
    message = StringProperty("")
    message_is_error = BooleanProperty(False)
    busy = BooleanProperty(False)
    db_problem = StringProperty("")
    calling = BooleanProperty(False)  # a call is on its way: "Appeler" stays disabled
    undo_text = StringProperty("")  # "N° 12 marqué absent": the undo bar, shown for a while
    open_undo_text = StringProperty("")  # "Escale ouverte à …": the opening's undo bar

    service: ConsolePort  # the base's property, typed: mypy checks each call to the core

    def __init__(self, service: ConsolePort, **kwargs: Any) -> None:
        self.worker = Worker("console-db")
        super().__init__(service, self.worker, **kwargs)
        self.title = words.WINDOW_TITLE
        self.manager: ScreenManager | None = None
        self.undo_bar: Any = None  # screens.halfday.UndoBar, made at the first opening
        self.summary_view: Any = None  # screens.halfday.SummaryView, made at the first summary
        self._rows: tuple[tuple[dict[str, Any], ...], list[dict[str, Any]]] = ((), [])
        self.console = ConsolePresenter(service, self, self.worker, KivyLater(), time.monotonic)

    # ------------------------------------------------------------ wiring

    def build(self) -> ScreenManager:
        from screens.finish_form import FinishForm  # noqa: F401  (kv rules)
        from screens.staff_console import ConsoleScreen
        from screens.staff_login import LoginScreen
        for name in ("staff_login", "staff_console", "finish_form", "statistics", "halfday",
                     "team"):
            path = str(HERE / f"{name}.kv")
            if path not in Builder.files:
                Builder.load_file(path)
        Window.clearcolor = theme.BACKGROUND
        Window.bind(size=self._rescale)
        self._rescale()
        self.manager = ScreenManager(transition=NoTransition())
        self.manager.add_widget(LoginScreen(name="login"))
        self.manager.add_widget(ConsoleScreen(name="console"))
        self.start_polling()
        Clock.schedule_interval(self._check_files, CATALOGUE_CHECK_SECONDS)
        Clock.schedule_interval(self._check_members, MEMBERS_CHECK_SECONDS)
        self.console.load()
        return self.manager

    def on_stop(self) -> None:
        self.stop_polling()
        Clock.unschedule(self._check_files)
        Clock.unschedule(self._check_members)
        Window.unbind(size=self._rescale)
        self.worker.stop()
        if self.manager is not None and self.manager.has_screen("statistics"):
            self.manager.get_screen("statistics").stop()

    def _check_files(self, _dt: float) -> None:
        self.console.check_catalogue()

    def _check_members(self, _dt: float) -> None:
        self.console.check_members()

    # the live board (screens/base_app.py polls it)

    def show_board(self, board: Any) -> None:
        self._revision = board.queue.revision
        self.console.show_board(board)

    def board_unreachable(self, exc: BaseException) -> None:
        self.console.board_unreachable(exc)

    def board_reachable(self) -> None:
        self.console.board_reachable()

    # ------------------------------------------------------------ rendering (presenter.View)

    @property
    def board(self) -> Any:
        return self.console.board

    def render(self, state: ConsoleState) -> None:
        """The presenter's state onto the properties (a property set to its own value stirs
        nothing); the rows get their pictograms' images, once per new list of rows."""
        for item in fields(state):
            if item.name not in ("queue_rows", "open_undo_text"):
                setattr(self, item.name, getattr(state, item.name))
        if self._rows[0] is not state.queue_rows:
            self._rows = (state.queue_rows, [{**row, "icon": self.pictogram(row["pictogram"])}
                                             for row in state.queue_rows])
            self.queue_rows = self._rows[1]
        if state.open_undo_text != self.open_undo_text:
            from screens.halfday import UndoBar

            self.open_undo_text = state.open_undo_text
            if self.undo_bar is None:
                self.undo_bar = UndoBar()
            self.undo_bar.show(state.open_undo_text)

    def go(self, screen: str) -> None:
        """The coordinator's screens are built the first time she opens one: an animatrice's
        console starts without them (their widgets took 0.4 s of every start)."""
        if self.manager is None:
            return
        if screen in COORDINATOR_SCREENS and not self.manager.has_screen(screen):
            from screens.statistics import StatisticsScreen
            from screens.team import TeamScreen

            made = {"statistics": StatisticsScreen, "team": TeamScreen}[screen]
            self.manager.add_widget(made(name=screen))
        self.manager.current = screen

    def ask_print(self, ticket: Any) -> None:
        if self.manager is not None:
            self.manager.get_screen("console").ask_print(ticket)

    def ask_reopen(self, question: str, reopen: Callable[[], None]) -> None:
        if self.manager is not None:
            self.manager.get_screen("console").ask_reopen(question, reopen)

    def show_summary(self, summary: Any) -> None:
        from screens.halfday import SummaryView

        if self.summary_view is None:
            self.summary_view = SummaryView()
        self.summary_view.show(summary).open(animation=False)

    def text_width(self, text: str, font_px: float, *_bind: Any) -> float:
        """The width of a button's bold text at the console's scale, so that a button can be
        made wide enough never to cut a word ("Reprendr/e"); extra arguments re-evaluate kv."""
        from kivy.core.text import Label as CoreLabel

        label = CoreLabel(text=text, font_name=self.font_bold,
                          font_size=max(self.min_font, font_px * self.k))
        return float(label.get_extents(text)[0])


def run(service: ConsolePort) -> None:
    ExceptionManager.add_handler(_KeepConsole())
    StaffApp(service).run()


class _KeepConsole(ExceptionHandler):
    """A bug in a callback shows in the message line instead of closing the console."""

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        log.exception("console: unexpected error", exc_info=inst)
        app = App.get_running_app()
        if isinstance(app, StaffApp):
            app.console.say(words.unexpected(inst), error=True)
        return ExceptionManager.PASS
