"""The visitor kiosk: the full-screen touch app at the bus door.

Flow: Accueil -> Organisme -> Démarche -> Ticket (-> QR). Three taps from Accueil to a ticket:
"Prendre un ticket" (or "Ticket prioritaire": the priority question, asked once), an organism,
a procedure. The organism "Je ne sais pas / Autre" gives the ticket at the second tap.
Every screen goes back to Accueil after the idle delay; the ticket is already saved by then.
The app talks to the core only through kiosk.apps.visitor.VisitorService, in background workers.

Its size: still too big (issue 17): the presence, the words and the ports are out; the ticket flow
and the banners are next.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
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
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition

from kiosk.apps import reading
from kiosk.apps.ports import KioskPort
from kiosk.apps.presence import Idle, Presence
from kiosk.content import i18n
from kiosk.errors import KioskError, NoOpenStopover
from screens import theme
from screens.announcer import make_announcer
from screens.attention import GuardedScreenManager, IdleWarning, SoundNote
from screens.base_app import BoardApp
from screens.widgets import CallBanner, CornerHotspot, PinPad
from screens.worker import Worker, release_free_memory

log = logging.getLogger("borne-plus")

HERE = Path(__file__).parent
BANNER_SECONDS = 8.0
PRINT_PATIENCE_SECONDS = 2.0  # after this, the visitor gets the QR code, whatever the printer does
CHECK_IDLE_SECONDS = 0.25
# after an automatic return to Accueil the finger may already be on its way to a button of the
# screen that went away: the first taps of that long are not taken as commands
AFTER_AUTO_HOME_GUARD_SECONDS = 2.0
SOUND_NOTE_SECONDS = 8.0
SLOW_AFTER_SECONDS = 0.4
LARGE_TEXT_ZOOM = 1.3  # "Texte plus grand": every text 30 % larger, the smallest 36 px
WARM_UP_AFTER = 2.0  # a wait shorter than this is not worth a "please wait" flash


@dataclass(frozen=True)
class KioskOptions:
    idle_seconds: int = 45  # Accueil comes back after this long without a touch...
    staff_pin: str = ""
    # ...but the ticket and its QR code stay long enough for someone slow to read, copy or
    # photograph the number; once the list is printed, the number is on paper
    ticket_seconds: int = 120
    after_print_seconds: int = 30
    warn_seconds: int = 15  # the warning shows this long before a screen closes by itself
    panel_seconds: float = 12.0  # Accueil's information panels: the next one after this long
    # "Kouté" on the Créole screens: the Créole text in espeak-ng's Haitian Creole voice ("ht",
    # the closest offline voice), or the French text in the French voice ("fr")
    creole_voice: str = "ht"


class _KeepRunning(ExceptionHandler):
    """A bug in a callback must not close the kiosk: log it, go back to Accueil."""

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        log.exception("kiosk: unexpected error, back to Accueil", exc_info=inst)
        app = App.get_running_app()
        if isinstance(app, VisitorApp):
            Clock.schedule_once(lambda _dt: app.go_home(), 0)
        return ExceptionManager.PASS


class VisitorApp(BoardApp):
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
    ticket = DictProperty({})
    # what the Ticket and QR screens show (kv binds to these, not into the dict)
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
        self.announcer = make_announcer()  # chime then voice, one call after the other
        self._reported_problems = 0
        # her touches and the delays: when the warning shows, when Accueil comes back
        self.presence = Presence(self.options.idle_seconds, self.options.ticket_seconds,
                                 self.options.after_print_seconds, self.options.warn_seconds,
                                 last_touch=time.monotonic())
        self._announced_from_start = False  # the first board's calls are history, not news
        self._seen_call = -1
        self._banners: deque[tuple[int, int, bool, str | None]] = deque()
        self._banner_event: Any = None
        self._flow_id = 0
        self._spoken_calls: list[tuple[int, int]] = []
        self._slow_event = Clock.create_trigger(self._became_slow, SLOW_AFTER_SECONDS)
        self.banner: CallBanner | None = None
        self.manager: GuardedScreenManager | None = None
        self.warning: IdleWarning | None = None
        self.sound_note: SoundNote | None = None
        self._sound_note_event: Any = None
        self._readings: list[str] = []  # texts "Écouter" asked for, to tell their failures
        self._board: Any = None  # the last board, to write its texts again in another language

    def toggle_zoom(self) -> None:
        self.zoom = 1.0 if self.zoom > 1.0 else LARGE_TEXT_ZOOM

    def on_zoom(self, *args: Any) -> None:
        # large text raises the smallest text too, not only the texts already big (_rescale
        # multiplies the smallest text by the zoom)
        super().on_zoom(*args)

    def _visitor_gone(self) -> None:
        """The next visitor starts with the normal text and in French: large text and Créole
        were the last one's choice."""
        self.zoom = 1.0
        self.language = i18n.DEFAULT_LANGUAGE

    def toggle_language(self) -> None:
        """The language button on Accueil: French <-> Kréyòl, one tap."""
        self.language = i18n.other_language(self.language)

    def on_language(self, *_args: Any) -> None:
        # the texts made in Python follow; the kv ones re-evaluate by themselves
        if self._board is not None:
            self._board_texts(self._board)
        if self.warning is not None:
            self.warning.title = self.t("idle.title")
            self.warning.text = self.t("idle.keep")
        if self.sound_note is not None:
            self.sound_note.text = self.t("read.broken")
        if self.ticket:
            self.ticket_title = self._title_of(self.ticket["procedure_id"])

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
        self.banner.on_dismiss = lambda: self._banner_done(0)
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
        pad.check = self._pin_ok
        pad.on_success = self.stop
        pad.open()

    def _pin_ok(self, pin: str) -> bool:
        return bool(self.options.staff_pin) and pin == self.options.staff_pin

    # ------------------------------------------------------------ idle return

    def _touched(self, *_args: Any) -> None:
        # the warning hides itself when touched: it must still be up to take that touch
        self.presence.touched(time.monotonic())

    def patience(self) -> float:
        """Seconds without a touch before the current screen goes back to Accueil."""
        screen = self.manager.current if self.manager is not None else "accueil"
        return self.presence.patience(screen, self.ticket_printed)

    def _check_idle(self, _dt: float) -> None:
        now = time.monotonic()
        if self.presence.last_ticket_expired(now, self.is_open):
            self.last_number = ""
        screen = self.manager.current if self.manager is not None else "accueil"
        chose = self.zoom > 1 or self.language != i18n.DEFAULT_LANGUAGE
        action = self.presence.check(now, screen, busy=self.busy, printed=self.ticket_printed,
                                     chose=chose)
        if action is Idle.HOME and self.manager is not None:
            self.go_home()
            self._visitor_gone()
            self.manager.hold(AFTER_AUTO_HOME_GUARD_SECONDS)
        elif action is Idle.FORGET_CHOICES:
            self._visitor_gone()
        if self.warning is not None and (screen == "accueil" or not self.busy):
            self.warning.shown = action is Idle.WARN

    def _forget_last_ticket(self) -> None:
        self.presence.last_ticket = {}
        self.last_number = ""

    def show_last_ticket(self) -> None:
        """"Revoir mon ticket n° 12" on Accueil: the ticket screen again, as it was."""
        ticket = dict(self.presence.last_ticket)
        if not ticket:
            return
        self.go_home()
        self._show_ticket(ticket)

    def go_home(self) -> None:
        if self.ticket:
            # kept a while, for a visitor whose ticket screen closed before she was done
            self.presence.keep_ticket(self.ticket, time.monotonic())
            self.last_number = str(self.ticket["number"])
        self._flow_id += 1  # results of a flow the visitor left are ignored
        self.refresh_catalogue()  # the next visitor sees the catalogue as it is on disk
        self.priority = False
        self.operator_id = ""
        self.busy = False
        self.notice = ""
        self.ticket = {}
        self.ticket_number = ""
        self.ticket_title = ""
        self.ticket_priority = False
        self.ticket_printed = False
        self.ahead_line = ""
        self.wait_note = ""
        self.qr_matrix = []
        self.qr_codes = []
        if self.warning is not None:
            self.warning.shown = False
        for child in list(Window.children):
            if isinstance(child, PinPad):
                child.dismiss()
        if self.manager is not None and self.manager.current != "accueil":
            self.manager.current = "accueil"
            self.announcer.hush_readings()
            self.device.submit(release_free_memory)  # between visitors, off the Kivy thread

    def go_back(self, screen: str) -> None:
        """"Retour": one step back in the path, the priority choice kept."""
        if self.busy:
            return  # the ticket is being made: it will show, then "Ce n'est pas ma démarche"
        if screen == "organisme":
            self.operator_id = ""
        self.notice = ""
        self.go(screen)

    def go(self, screen: str) -> None:
        if self.manager is not None and self.manager.current != screen:
            self.manager.current = screen
            self.announcer.hush_readings()  # the voice never describes a screen left behind

    # ------------------------------------------------------------ live board

    def _report_sound_problems(self) -> None:
        """Chime or voice failures go to the event log, where the staff console shows them."""
        problems = self.announcer.problems
        for problem in problems[self._reported_problems:]:
            device = "speech" if problem.phase == "speech" else "audio"
            self.db.submit(self.service.report_problem, device, problem.message)
            if problem.text in self._readings:  # the visitor pressed "Écouter" and heard nothing
                self._readings.remove(problem.text)
                self._sound_failed()
        self._reported_problems = len(problems)

    def _report_sound_working(self) -> None:
        """A chime or a voice that played clears the console's line for it. Only the first
        success after a failure (or since the start) reaches the database."""
        seen: float = getattr(self, "_sound_seen", 0.0)
        known_ok: set[str] = self.__dict__.setdefault("_sound_known_ok", set())
        failed = {(p.phase, p.at) for p in self.announcer.problems}
        for record in self.announcer.history:
            if record.finished_at <= seen:
                continue
            seen = record.finished_at
            device = "speech" if record.phase == "speech" else "audio"
            if (record.phase, record.finished_at) in failed:
                known_ok.discard(device)
            elif device not in known_ok:
                known_ok.add(device)
                self.db.submit(self.service.report_working, device)
        self._sound_seen = seen

    def _poll(self, dt: float) -> None:
        self._report_sound_problems()
        self._report_sound_working()
        super()._poll(dt)

    def show_board(self, board: Any) -> None:
        first = not self._announced_from_start
        self._announced_from_start = True
        self._revision = board.revision
        self.is_open = board.is_open
        self._board = board
        self._board_texts(board)
        kept = self.presence.last_ticket
        if kept and any(c.number == kept["number"]
                                     for c in board.last_calls):
            self._forget_last_ticket()  # called: the screen and the voice say where to go
        self._spoken_calls = [(c.number, c.desk) for c in board.last_calls[:3]]
        fresh = [c for c in reversed(board.last_calls) if c.event_id > self._seen_call]
        if board.last_calls:
            self._seen_call = max(self._seen_call, board.last_calls[0].event_id)
        if not first:  # calls made before the kiosk started are not announced again
            for call in fresh:
                self._banners.append((call.number, call.desk, call.recall,
                                      self._echo_voice(call)))
            self._next_banner()

    def _board_texts(self, board: Any) -> None:
        """Accueil's texts from the board, in the visitor's language."""
        language = self.language
        self.stop_text = i18n.stop_text(board.stop_name, board.commune_name, language)
        self.passages_title = (
            self.t("accueil.next_here",
                   at_commune=i18n.at_commune(board.commune_name or "", language))
            if board.next_passages else "")
        self.passages = [
            self.t("accueil.passage", day=i18n.short_day(p.day, language),
                   half=i18n.half_label(p.half, language), stop=p.stop_name)
            for p in board.next_passages
        ]
        self.calls = [self.t("accueil.call", number=c.number, desk=c.desk)
                      for c in board.last_calls[:3]]

    def _echo_voice(self, call: Any) -> str | None:
        """A ticket taken in Kréyòl is called in French, then in Créole in the Créole voice
        (creole_voice: ht); with creole_voice: fr, the French call alone."""
        if getattr(call, "language", "fr") == i18n.CREOLE and self.options.creole_voice == "ht":
            return "ht"
        return None

    def _next_banner(self, *_args: Any) -> None:
        if self.banner is None or (self._banner_event is not None and self.banner.shown):
            return
        if not self._banners:
            self.banner.shown = False
            return
        number, desk, recall, echo_voice = self._banners.popleft()
        self.banner.text = self.t("banner.call", number=number, desk=desk)
        self.banner.sub = self.t("banner.go", desk=desk)
        self.banner.shown = True
        self.announcer.announce(number, desk, recall=recall, echo_voice=echo_voice)
        self._banner_event = Clock.schedule_once(self._banner_done, BANNER_SECONDS)

    def _banner_done(self, _dt: float) -> None:
        if self._banner_event is not None:
            self._banner_event.cancel()
        self._banner_event = None
        if self.banner is not None:
            self.banner.shown = False
        self._next_banner()

    # ------------------------------------------------------------ the visitor's path

    def start_ticket(self, priority: bool) -> None:
        if not self.is_open:
            self.notice = self.t("common.closed_now")
            return
        self.go_home()
        self.priority = priority
        self.go("organisme")

    def choose_operator(self, operator_id: str) -> None:
        procedures = self.catalogue.procedures_of(operator_id)
        self.operator_id = operator_id
        if len(procedures) == 1:
            self.choose_procedure(procedures[0].id)
        else:
            self.go("demarche")

    def on_busy(self, _app: Any, busy: bool) -> None:
        self._slow_event.cancel()
        if busy:
            self._slow_event()
        else:
            self.slow = False
            # her delay runs again from the kiosk's answer: a slow answer (the database busy
            # behind a backup) neither sends her ticket away unseen nor shortens its screen
            self.presence.touched(time.monotonic())

    def _became_slow(self, _dt: float) -> None:
        self.slow = self.busy

    def choose_procedure(self, procedure_id: str) -> None:
        if self.busy:
            return  # a second tap while the ticket is being made does not make two tickets
        self.busy = True
        flow = self._flow_id
        self.db.submit(self.service.take, procedure_id, self.priority, self.language,
                       on_done=lambda issued: self._ticket_ready(flow, issued),
                       on_error=lambda exc: self._ticket_failed(flow, exc))

    def _ticket_ready(self, flow: int, issued: Any) -> None:
        self.busy = False
        if flow != self._flow_id:
            return
        procedure = self.catalogue.procedure(issued.procedure_id)
        self._forget_last_ticket()  # a new ticket: the previous visitor's one is not offered
        self.refresh_now()
        self._show_ticket({
            "number": issued.number,
            "procedure_id": issued.procedure_id,
            "operator_id": issued.operator_id,
            "stopover_id": issued.stopover_id,
            "title": i18n.procedure_title(procedure, self.language) if procedure else "",
            "ahead": issued.people_ahead,
            "low": issued.wait.low,
            "high": issued.wait.high,
            "known": issued.wait.known,
            "past_closing": issued.wait.past_closing,
            "closes_at": issued.closes_at.hour,
            "half": issued.half,
            "priority": issued.priority,
            "printed": False,
        })

    def _show_ticket(self, ticket: dict[str, Any]) -> None:
        self.ticket = ticket
        self.ticket_number = str(ticket["number"])
        self.ticket_title = self._title_of(ticket["procedure_id"]) or ticket["title"]
        self.ticket_priority = ticket["priority"]
        self.ticket_printed = ticket["printed"]
        self.wait_note = i18n.wait_text(ticket, self.language) if ticket.get("past_closing") else ""
        wait = "" if self.wait_note else f"   {i18n.wait_text(ticket, self.language)}"
        self.ahead_line = f"{i18n.ahead_text(ticket.get('ahead', 0), self.language)}{wait}"
        self.notice = ""
        self.go("ticket")

    def _title_of(self, procedure_id: str) -> str:
        procedure = self.catalogue.procedure(procedure_id)
        return i18n.procedure_title(procedure, self.language) if procedure else ""

    def _ticket_failed(self, flow: int, exc: BaseException) -> None:
        self.busy = False
        if flow != self._flow_id:
            return
        key = "common.closed_now" if isinstance(exc, NoOpenStopover) else "common.trouble"
        self.go_home()
        if self.manager is not None:
            self.manager.hold(AFTER_AUTO_HOME_GUARD_SECONDS)
        self.notice = self.t(key) if isinstance(exc, KioskError) else self.t("common.trouble")

    # ------------------------------------------------------------ read aloud

    def read_aloud(self) -> None:
        """The "Écouter" button: say what the current screen shows and asks, after any call.
        When the kiosk cannot speak (no espeak-ng, no audio output), the visitor is told on the
        screen (the poll sees the failed reading in the announcer's problems)."""
        language, voice = self.reading_voice()
        text = self.spoken_screen(language)
        self._readings = [*self._readings[-4:], text]
        if not self.announcer.read(text, voice=voice):
            self._sound_failed()

    def reading_voice(self) -> tuple[str, str | None]:
        return reading.voice(self.language, self.options.creole_voice)

    def _sound_failed(self) -> None:
        if self.sound_note is None:
            return
        self.sound_note.shown = True
        if self._sound_note_event is not None:
            self._sound_note_event.cancel()
        self._sound_note_event = Clock.schedule_once(self._hide_sound_note, SOUND_NOTE_SECONDS)

    def _hide_sound_note(self, _dt: float = 0) -> None:
        self._sound_note_event = None
        if self.sound_note is not None:
            self.sound_note.shown = False

    def spoken_screen(self, language: str | None = None) -> str:
        """The current screen in words for the ear (kiosk/apps/reading.py), in `language` (the
        screen's by default)."""
        lang = language or self.language
        screen = self.manager.current if self.manager is not None else "accueil"
        shown = self.manager.current_screen if self.manager is not None else None
        board = self._board
        return reading.spoken(reading.Shown(
            screen=screen, operator_id=self.operator_id,
            procedure_titles=(tuple(shown.shown_titles(lang))
                              if screen == "demarche" and shown is not None else ()),
            ticket=self.ticket or None, qr_count=len(self.qr_codes),
            bus_words=str(shown.spoken(lang)) if screen.startswith("bus_") and shown else "",
            stop_name=board.stop_name if board else None,
            commune_name=board.commune_name if board else None,
            is_open=self.is_open, calls=tuple(self._spoken_calls)), self.catalogue, lang)

    def print_list(self) -> None:
        if self.busy or not self.ticket:
            return
        self.busy = True
        self.notice = self.t("ticket.printing")
        flow = self._flow_id
        state = {"answered": False}

        def patience_over(_dt: float) -> None:
            if not state["answered"] and flow == self._flow_id:
                state["answered"] = True
                self._print_fallback(flow)

        Clock.schedule_once(patience_over, PRINT_PATIENCE_SECONDS)

        def printed(outcome: Any) -> None:
            if state["answered"] or flow != self._flow_id:
                return
            state["answered"] = True
            if outcome.ok:
                self.busy = False
                self.notice = self.t("ticket.printed")
                self.ticket_printed = True
                self.ticket["printed"] = True
                self.presence.touched(time.monotonic())  # the shorter delay runs from the print
            else:
                self._print_fallback(flow)

        def failed(_exc: BaseException) -> None:
            printed(type("Outcome", (), {"ok": False})())

        # headings and the how-to line in the visitor's language; papers and steps in French
        self.device.submit(self.service.print_checklist, self.ticket["procedure_id"],
                           self.ticket["number"], self.language, on_done=printed,
                           on_error=failed)

    def _print_fallback(self, flow: int) -> None:
        self.busy = False
        self.show_qr(message=self.t("ticket.print_slow"))

    def show_qr(self, message: str = "") -> None:
        if not self.ticket:
            return
        flow = self._flow_id
        self.qr_message = message
        self.db.submit(self.service.phone_qr, self.ticket["procedure_id"], self.ticket["number"],
                       self.language, on_done=lambda qr: self._qr_ready(flow, qr),
                       on_error=lambda exc: self._ticket_failed(flow, exc))

    def _qr_ready(self, flow: int, qr: Any) -> None:
        if flow != self._flow_id:
            return
        self.qr_codes = [[list(row) for row in matrix] for matrix in qr.matrices]
        self.show_code(0)
        self.notice = ""
        self.go("qr")

    def show_code(self, index: int) -> None:
        """A long checklist comes in several codes, shown one at a time ("Code 1 sur 2"): one
        code in the camera's view, the phone cannot read the same one twice."""
        if not self.qr_codes:
            return
        self.qr_index = index % len(self.qr_codes)
        self.qr_matrix = self.qr_codes[self.qr_index]

    def finish(self) -> None:
        self.go_home()
        self._visitor_gone()

    def not_my_procedure(self) -> None:
        """"Ce n'est pas ma démarche": the ticket is withdrawn (its number is never given again)
        and the visitor is back on the procedures of the same organism, priority kept."""
        if self.busy or not self.ticket:
            return
        self.busy = True
        flow = self._flow_id
        ticket = dict(self.ticket)
        self.db.submit(self.service.withdraw, ticket["number"], ticket["stopover_id"],
                       on_done=lambda changed: self._withdrawn(flow, ticket, changed),
                       on_error=lambda exc: self._withdraw_failed(flow, exc))

    def _withdrawn(self, flow: int, ticket: dict[str, Any], changed: Any) -> None:
        self.busy = False
        if flow != self._flow_id:
            return
        if changed.state != "withdrawn":
            # too late: the ticket stays, and the visitor is told where she is expected
            self.notice = (self.t("ticket.already_called", desk=changed.desk)
                           if changed.state in ("called", "in_service") and changed.desk
                           else self.t("ticket.cannot_withdraw"))
            return
        self.ticket = {}  # gone: neither kept for "Revoir mon ticket" nor shown again
        self.go_home()
        self._forget_last_ticket()
        self.priority = ticket["priority"]
        self.operator_id = ticket["operator_id"]
        self.notice = self.t("ticket.withdrawn", number=ticket["number"])
        several = len(self.catalogue.procedures_of(self.operator_id)) > 1
        self.go("demarche" if several else "organisme")

    def _withdraw_failed(self, flow: int, exc: BaseException) -> None:
        self.busy = False
        if flow != self._flow_id:
            return
        log.warning("kiosk: withdraw failed: %r", exc)
        self.notice = self.t("ticket.cannot_withdraw")


def run(service: KioskPort, options: KioskOptions, on_started: Callable[[VisitorApp], None] | None = None
        ) -> None:
    app = VisitorApp(service, options)
    if on_started is not None:
        Clock.schedule_once(lambda _dt: on_started(app), 0)
    app.run()
