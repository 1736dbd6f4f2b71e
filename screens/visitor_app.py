"""The visitor kiosk: the full-screen touch app at the bus door.

Flow: Accueil -> Organisme -> Démarche -> Ticket (-> QR). Three taps from Accueil to a ticket:
"Prendre un ticket" (or "Ticket prioritaire": the priority question, asked once), an organism,
a procedure. The organism "Je ne sais pas / Autre" gives the ticket at the second tap.
Every screen goes back to Accueil after the idle delay; the ticket is already saved by then.
The app talks to the core only through kiosk.apps.visitor.VisitorService, in background workers.

What a tap does and what comes next is the visitor's path (kiosk/apps/path.py, plain Python,
unit-tested without a window); this app is its view: properties, screens, clocks, the kiosk lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition

from kiosk.apps.path import KioskOptions, VisitorPath
from kiosk.apps.ports import KioskPort
from screens import theme
from screens.announcer import make_announcer
from screens.attention import GuardedScreenManager, IdleWarning, SoundNote
from screens.base_app import BoardApp
from screens.widgets import CallBanner, CornerHotspot, PinPad
from screens.worker import Worker, release_free_memory

if TYPE_CHECKING:
    from kiosk.apps.visitor import Board

log = logging.getLogger("borne-plus")

HERE = Path(__file__).parent
CHECK_IDLE_SECONDS = 0.25
LARGE_TEXT_ZOOM = 1.3  # "Texte plus grand": every text 30 % larger, the smallest 36 px
WARM_UP_AFTER = 2.0  # a wait shorter than this is not worth a "please wait" flash


class _KeepRunning(ExceptionHandler):
    """A bug in a callback must not close the kiosk: log it, go back to Accueil."""

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        log.exception("kiosk: unexpected error, back to Accueil", exc_info=inst)
        app = App.get_running_app()
        if isinstance(app, VisitorApp):
            Clock.schedule_once(lambda _dt: app.path.go_home(), 0)
        return ExceptionManager.PASS


def _later(seconds: float, action: Callable[[], None]) -> Any:
    """The path's timers, on Kivy's clock (the event returned has cancel())."""
    return Clock.schedule_once(lambda _dt: action(), seconds)


class VisitorApp(BoardApp):
    """The view of the visitor's path (kiosk/apps/path.py): Kivy properties the kv files bind
    to, copied from the path (`render`); the screens, the banner and the overlays; the kiosk
    lock; the workers and the clocks. The kv files call the path for what a tap does."""

    # what Accueil shows
    is_open = BooleanProperty(False)
    stop_text = StringProperty("")
    passages_title = StringProperty("")
    passages = ListProperty([])
    calls = ListProperty([])

    # the visitor's path through the screens
    priority = BooleanProperty(False)
    operator_id = StringProperty("")
    busy = BooleanProperty(False)
    slow = BooleanProperty(False)  # busy for more than SLOW_AFTER_SECONDS: say "please wait"
    notice = StringProperty("")
    # what the Ticket and QR screens show
    ticket_number = StringProperty("")
    ticket_title = StringProperty("")
    ticket_priority = BooleanProperty(False)
    ticket_printed = BooleanProperty(False)
    ahead_line = StringProperty("")
    qr_matrix = ListProperty([])  # the code shown; qr_codes: all of them ("Code 1 sur 2")
    qr_codes = ListProperty([])
    qr_index = NumericProperty(0)
    qr_message = StringProperty("")
    wait_note = StringProperty("")  # the wait in words when no number would be honest
    # the ticket of the visitor who just left, offered again on Accueil ("Revoir mon ticket")
    last_number = StringProperty("")

    service: KioskPort  # the base's property, typed: mypy checks each call to the core

    def __init__(self, service: KioskPort, options: KioskOptions | None = None,
                 **kwargs: Any) -> None:
        self.db = Worker("kiosk-db")
        super().__init__(service, self.db, **kwargs)
        self.title = "Borne PLUS"
        self.options = options or KioskOptions()
        self.device = Worker("kiosk-device")
        self.banner: CallBanner | None = None
        self.manager: GuardedScreenManager | None = None
        self.warning: IdleWarning | None = None
        self.sound_note: SoundNote | None = None
        self.announcer = make_announcer()  # chime then voice, one call after the other
        self.path = VisitorPath(service, self, db=self.db, device=self.device,
                                announcer=self.announcer, later=_later, now=time.monotonic,
                                options=self.options)

    def on_language(self, *_args: Any) -> None:
        self.path.set_language(self.language)  # a language set from outside (tests) too

    # ------------------------------------------------------------ building

    def build(self) -> FloatLayout:
        ExceptionManager.add_handler(_KeepRunning())
        Window.clearcolor = theme.BACKGROUND
        Window.bind(size=self._rescale, on_touch_down=self._touched,
                    on_request_close=self._refuse_close, on_keyboard=self._key)
        self._rescale()
        from screens.accueil import AccueilScreen
        from screens.bus_calendar import BusCommunesScreen, BusPassagesScreen
        from screens.demarche import DemarcheScreen
        from screens.organisme import OrganismeScreen
        from screens.qr import QrScreen
        from screens.ticket import TicketScreen

        for name in ("accueil", "organisme", "demarche", "ticket", "qr", "bus_calendar"):
            path = str(HERE / f"{name}.kv")
            if path not in Builder.files:  # a second app in the same process (tests)
                Builder.load_file(path)
        root = FloatLayout()
        # no shader transition: each one allocates two full-screen framebuffers
        self.manager = GuardedScreenManager(transition=NoTransition())
        for screen in (AccueilScreen(name="accueil"), OrganismeScreen(name="organisme"),
                       DemarcheScreen(name="demarche"), TicketScreen(name="ticket"),
                       QrScreen(name="qr"), BusCommunesScreen(name="bus_communes"),
                       BusPassagesScreen(name="bus_passages")):
            self.manager.add_widget(screen)
        root.add_widget(self.manager)
        self.banner = CallBanner(size_hint=(1, None), pos_hint={"top": 1})
        self.banner.on_dismiss = self.path.banner_done
        self.banner.height = 230 * self.u
        self.bind(u=lambda *_: setattr(self.banner, "height", 230 * self.u))
        root.add_widget(self.banner)
        self.warning = IdleWarning(title=self.t("idle.title"), text=self.t("idle.keep"))
        self.warning.on_keep = self._touched
        root.add_widget(self.warning)
        self.sound_note = SoundNote(text=self.t("read.broken"))
        root.add_widget(self.sound_note)
        corner = CornerHotspot(size_hint=(None, None), size=(140, 140),
                               pos_hint={"x": 0, "top": 1})
        corner.on_long_press = self.ask_staff_pin
        root.add_widget(corner)
        self.start_polling()
        Clock.schedule_interval(self._check_idle, CHECK_IDLE_SECONDS)
        # after the first frames: fonts and QR layouts, so the first visitor never waits for them
        Clock.schedule_once(lambda _dt: self.device.submit(self.service.warm_up), WARM_UP_AFTER)
        self._poll(0)
        return root

    def on_stop(self) -> None:
        self.stop_polling()
        Clock.unschedule(self._check_idle)
        Window.unbind(size=self._rescale, on_touch_down=self._touched,
                      on_request_close=self._refuse_close, on_keyboard=self._key)
        self.db.stop()
        self.device.stop()
        self.announcer.stop()

    # ------------------------------------------------------------ kiosk lock

    def _refuse_close(self, *_args: Any) -> bool:
        return True  # the window manager's close is refused; staff leave with the PIN

    def _key(self, _window: Any, key: int, *_args: Any) -> bool:
        return key == 27  # swallow Escape (and Android back): no way out for a visitor

    def ask_staff_pin(self) -> None:
        pad = PinPad()
        pad.check = self.path.staff_pin_ok
        pad.on_success = self.stop
        pad.open()

    # ------------------------------------------------------------ clocks

    def _touched(self, *_args: Any) -> None:
        # the warning hides itself when touched: it must still be up to take that touch
        self.path.touched()

    def _check_idle(self, _dt: float) -> None:
        self.path.check_idle()

    def _poll(self, dt: float) -> None:
        self.path.report_sounds()
        super()._poll(dt)

    def show_board(self, board: Board) -> None:
        self._revision = board.revision
        self.path.show_board(board)

    # ------------------------------------------------------------ the path's view

    def current_screen(self) -> str:
        return self.manager.current if self.manager is not None else "accueil"

    def go(self, screen: str) -> None:
        if self.manager is not None:
            self.manager.current = screen

    def home(self) -> None:
        for child in list(Window.children):
            if isinstance(child, PinPad):
                child.dismiss()
        if self.manager is not None and self.manager.current != "accueil":
            self.manager.current = "accueil"
            self.device.submit(release_free_memory)  # between visitors, off the Kivy thread

    def hold(self, seconds: float) -> None:
        if self.manager is not None:
            self.manager.hold(seconds)

    def screen_words(self, language: str) -> tuple[tuple[str, ...], str]:
        if self.manager is None:
            return (), ""
        screen, shown = self.manager.current, self.manager.current_screen
        return (tuple(shown.shown_titles(language)) if screen == "demarche" else (),
                str(shown.spoken(language)) if screen.startswith("bus_") else "")

    def render(self, path: VisitorPath) -> None:
        self.language = path.language  # first: the texts below are in it
        self.zoom = LARGE_TEXT_ZOOM if path.large_text else 1.0
        self.catalogue = path.catalogue
        self.is_open = path.is_open
        self.stop_text = path.stop_text
        self.passages_title = path.passages_title
        self.passages = path.passages
        self.calls = path.calls
        self.priority = path.priority
        self.operator_id = path.operator_id
        self.busy = path.busy
        self.slow = path.slow
        self.notice = path.notice
        ticket = path.ticket
        self.ticket_number = str(ticket.number) if ticket else ""
        self.ticket_title = path.ticket_title
        self.ticket_priority = bool(ticket and ticket.priority)
        self.ticket_printed = bool(ticket and ticket.printed)
        self.ahead_line = path.ahead_line
        self.wait_note = path.wait_note
        self.qr_codes = path.qr_codes
        self.qr_index = path.qr_index
        self.qr_matrix = path.qr_matrix
        self.qr_message = path.qr_message
        self.last_number = path.last_number
        if self.banner is not None:
            self.banner.text, self.banner.sub = path.banner_text, path.banner_sub
            self.banner.shown = path.banner_shown
        if self.warning is not None:
            self.warning.title, self.warning.text = self.t("idle.title"), self.t("idle.keep")
            self.warning.shown = path.warning_shown
        if self.sound_note is not None:
            self.sound_note.text = self.t("read.broken")
            self.sound_note.shown = path.sound_note_shown


def run(service: KioskPort, options: KioskOptions, on_started: Callable[[VisitorApp], None] | None = None
        ) -> None:
    app = VisitorApp(service, options)
    if on_started is not None:
        Clock.schedule_once(lambda _dt: on_started(app), 0)
    app.run()
