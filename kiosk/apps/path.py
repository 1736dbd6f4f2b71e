"""The visitor's path at the kiosk, in plain Python (no Kivy, no clock of its own): what each tap
does, what a ticket, a withdrawal, a print or a failure means (which notice, which screen), what
the board's calls become (a banner, an announcement), what Accueil and the Ticket screen say, and
when the kiosk goes back to Accueil by itself (with kiosk/apps/presence.py).

The Kivy app (screens/visitor_app.py) is its `View`: it shows the screen the path asks for and
copies the path's state onto its Kivy properties (`render`); it runs the core's calls in its
background workers (`Jobs`) and the path's timers on Kivy's clock (`Later`). The unit tests drive
the path with a fake view, a fake service and a clock they move (tests/unit/test_visitor_path.py).

Its size (~700 lines): the Protocols it talks through (~120 lines) and one short method per tap
and per answer of the core. The parts that need none of its state already live apart
(presence.py, reading.py, SoundReports below); the rest shares the flow id, the ticket shown
and busy, and would only pass them around if split.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from kiosk.apps import reading
from kiosk.apps.presence import Idle, Presence
from kiosk.content import i18n
from kiosk.errors import NoOpenStopover

if TYPE_CHECKING:
    from kiosk.apps.ports import KioskPort
    from kiosk.apps.visitor import Board, PhoneQr
    from kiosk.content.catalogue import Catalogue
    from kiosk.core.services import TicketChanged, TicketIssued
    from kiosk.core.views import LastCall
    from kiosk.output.announcements import PhaseRecord, Problem
    from kiosk.output.printing import PrintOutcome

log = logging.getLogger("borne-plus")

BANNER_SECONDS = 8.0
PRINT_PATIENCE_SECONDS = 2.0  # after this, the visitor gets the QR code, whatever the printer does
# after an automatic return to Accueil the finger may already be on its way to a button of the
# screen that went away: the first taps of that long are not taken as commands
AFTER_AUTO_HOME_GUARD_SECONDS = 2.0
SOUND_NOTE_SECONDS = 8.0
SLOW_AFTER_SECONDS = 0.4  # busy for longer than this: the screen says "please wait"
READINGS_KEPT = 5  # texts "Écouter" asked for, kept to tell the visitor when one was not heard


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


@dataclass(frozen=True)
class ShownTicket:
    """The ticket the Ticket and QR screens show, and "Revoir mon ticket" shows again."""

    number: int
    procedure_id: str
    operator_id: str
    stopover_id: int
    title: str  # the procedure's title in the language it was taken in
    ahead: int
    low: int
    high: int
    known: bool
    past_closing: bool
    closes_at: int  # the hour the half-day stops receiving
    half: str
    priority: bool
    printed: bool = False

    @classmethod
    def issued(cls, issued: TicketIssued, title: str) -> ShownTicket:
        return cls(number=issued.number, procedure_id=issued.procedure_id,
                   operator_id=issued.operator_id, stopover_id=issued.stopover_id, title=title,
                   ahead=issued.people_ahead, low=issued.wait.low, high=issued.wait.high,
                   known=issued.wait.known, past_closing=issued.wait.past_closing,
                   closes_at=issued.closes_at.hour, half=issued.half, priority=issued.priority)

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, as the words (i18n.wait_text, reading) and Presence keep them."""
        return dataclasses.asdict(self)


class Banner(NamedTuple):
    """One call waiting for the banner and the voice."""

    number: int
    desk: int
    recall: bool
    echo_voice: str | None  # "ht": said again in Créole (a ticket taken in Kréyòl)


# ------------------------------------------------------------ what the path needs from outside


class Timer(Protocol):
    def cancel(self) -> None:
        ...


class Later(Protocol):
    """Runs `action` once, `seconds` from now (Kivy's Clock in the app)."""

    def __call__(self, seconds: float, action: Callable[[], None]) -> Timer:
        ...


class Jobs(Protocol):
    """Runs a call of the core off the screen's thread and hands its result (or its exception)
    back on the screen's thread (screens/worker.Worker)."""

    def submit(self, fn: Callable[..., Any], *args: Any,
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> None:
        ...


class Announcer(Protocol):
    """The chime and the voice (kiosk/output/announcements.AnnouncementQueue)."""

    def announce(self, number: int, desk: int, recall: bool = False,
                 echo_voice: str | None = None) -> bool:
        ...

    def read(self, text: str, voice: str | None = None) -> bool:
        ...

    def hush_readings(self) -> None:
        ...

    @property
    def problems(self) -> list[Problem]:
        ...

    @property
    def history(self) -> list[PhaseRecord]:
        ...


class View(Protocol):
    """The screens (the Kivy app)."""

    def current_screen(self) -> str:
        ...

    def go(self, screen: str) -> None:
        """Show `screen`."""

    def home(self) -> None:
        """Show Accueil, any dialog closed."""

    def hold(self, seconds: float) -> None:
        """Ignore the taps of the next `seconds` (a finger on its way to a screen gone)."""

    def render(self, path: VisitorPath) -> None:
        """Show the path's state."""

    def refresh_now(self) -> None:
        """Fetch the board at the next poll (our own write changed the queue)."""

    def screen_words(self, language: str) -> tuple[tuple[str, ...], str]:
        """What the current screen shows that only it knows, for "Écouter": the procedure rows
        of Démarche, the words of "Quand revient le bus ?"."""


# ------------------------------------------------------------ the path


class SoundReports:
    """Which chime and voice failures and successes the staff console must hear of: each failure
    once, and a success only when it is the first since the start or since a failure."""

    def __init__(self) -> None:
        self.problems_seen = 0
        self.finished_seen = 0.0
        self.working: set[str] = set()

    @staticmethod
    def device(phase: str) -> str:
        return "speech" if phase == "speech" else "audio"

    def new_problems(self, problems: Sequence[Problem]) -> list[Problem]:
        fresh = list(problems[self.problems_seen:])
        self.problems_seen = len(problems)
        return fresh

    def now_working(self, history: Sequence[PhaseRecord],
                    problems: Sequence[Problem]) -> list[str]:
        failed = {(p.phase, p.at) for p in problems}
        devices: list[str] = []
        for record in history:
            if record.finished_at <= self.finished_seen:
                continue
            self.finished_seen = record.finished_at
            device = self.device(record.phase)
            if (record.phase, record.finished_at) in failed:
                self.working.discard(device)
            elif device not in self.working:
                self.working.add(device)
                devices.append(device)
        return devices


class VisitorPath:
    """The visitor's path: Accueil -> Organisme -> Démarche -> Ticket (-> QR), and the board.

    Every answer of the core carries the flow it was asked in (`flow`): once the visitor left
    that flow (back to Accueil), its answers are ignored."""

    def __init__(self, service: KioskPort, view: View, *, db: Jobs, device: Jobs,
                 announcer: Announcer, later: Later, now: Callable[[], float],
                 options: KioskOptions | None = None) -> None:
        self.service = service
        self.view = view
        self.db = db
        self.device = device
        self.announcer = announcer
        self.later = later
        self.now = now
        self.options = options or KioskOptions()
        self.catalogue: Catalogue = service.catalogue()
        # her touches and the delays: when the warning shows, when Accueil comes back
        self.presence = Presence(self.options.idle_seconds, self.options.ticket_seconds,
                                 self.options.after_print_seconds, self.options.warn_seconds,
                                 last_touch=now())
        self.flow = 0
        # her choices
        self.language = i18n.DEFAULT_LANGUAGE
        self.large_text = False
        self.priority = False
        self.operator_id = ""
        self.busy = False
        self.slow = False
        self.notice = ""
        # her ticket
        self.ticket: ShownTicket | None = None
        self.ticket_title = ""
        self.ahead_line = ""
        self.wait_note = ""  # the wait in words when no number would be honest
        self.qr_codes: list[list[list[bool]]] = []  # one or more ("Code 1 sur 2")
        self.qr_index = 0
        self.qr_message = ""
        self.last_number = ""  # the ticket offered again on Accueil ("Revoir mon ticket")
        # Accueil
        self.board: Board | None = None
        self.is_open = False
        self.stop_text = ""
        self.passages_title = ""
        self.passages: list[str] = []
        self.calls: list[str] = []
        self.spoken_calls: list[tuple[int, int]] = []
        # over every screen
        self.banner_text = ""
        self.banner_sub = ""
        self.banner_shown = False
        self.warning_shown = False
        self.sound_note_shown = False
        self.banners: deque[Banner] = deque()
        self.seen_call = -1
        self.sounds = SoundReports()
        self.readings: list[str] = []
        self._banner_timer: Timer | None = None
        self._slow_timer: Timer | None = None
        self._sound_note_timer: Timer | None = None

    @property
    def qr_matrix(self) -> list[list[bool]]:
        return self.qr_codes[self.qr_index] if self.qr_codes else []

    def t(self, key: str, **values: Any) -> str:
        return i18n.t(key, self.language, **values)

    def _render(self) -> None:
        self.view.render(self)

    # ------------------------------------------------------------ screens

    def go(self, screen: str) -> None:
        self._render()  # the screen entered reads the state (Démarche, its organism)
        if self.view.current_screen() != screen:
            self.view.go(screen)
            self.announcer.hush_readings()  # the voice never describes a screen left behind

    def go_home(self) -> None:
        if self.ticket is not None:
            # kept a while, for a visitor whose ticket screen closed before she was done
            self.presence.keep_ticket(self.ticket.as_dict(), self.now())
            self.last_number = str(self.ticket.number)
        self.flow += 1  # results of a flow the visitor left are ignored
        # the next visitor sees the catalogue as it is on disk (before, a removed procedure
        # kept its tile and was then refused)
        self.db.submit(self.service.catalogue, on_done=self._catalogue_came)
        self.priority = False
        self.operator_id = ""
        self._set_busy(False)
        self.notice = ""
        self.ticket = None
        self.ticket_title = ""
        self.ahead_line = ""
        self.wait_note = ""
        self.qr_codes = []
        self.warning_shown = False
        left = self.view.current_screen() != "accueil"
        self._render()
        self.view.home()
        if left:
            self.announcer.hush_readings()

    def _catalogue_came(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._render()

    def go_back(self, screen: str) -> None:
        """"Retour": one step back in the path, the priority choice kept."""
        if self.busy:
            return  # the ticket is being made: it will show, then "Ce n'est pas ma démarche"
        if screen == "organisme":
            self.operator_id = ""
        self.notice = ""
        self.go(screen)

    def finish(self) -> None:
        """"Non merci" / "Terminé": the next visitor starts afresh."""
        self.go_home()
        self._visitor_gone()

    # ------------------------------------------------------------ her choices

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self._render()

    def toggle_language(self) -> None:
        """The language button on Accueil: French <-> Kréyòl, one tap."""
        self.set_language(i18n.other_language(self.language))

    def set_language(self, language: str) -> None:
        if language == self.language:
            return
        self.language = language
        if self.board is not None:
            self._board_texts(self.board)
        if self.ticket is not None:
            self.ticket_title = self._title_of(self.ticket.procedure_id)
        self._render()

    def _visitor_gone(self) -> None:
        """The next visitor starts with the normal text and in French: large text and Créole
        were the last one's choice."""
        self.large_text = False
        self.set_language(i18n.DEFAULT_LANGUAGE)
        self._render()

    # ------------------------------------------------------------ idle return

    def touched(self) -> None:
        self.presence.touched(self.now())

    def patience(self) -> float:
        """Seconds without a touch before the current screen goes back to Accueil."""
        return self.presence.patience(self.view.current_screen(), self._printed)

    @property
    def _printed(self) -> bool:
        return self.ticket is not None and self.ticket.printed

    def check_idle(self) -> None:
        now = self.now()
        if self.presence.last_ticket_expired(now, self.is_open):
            self.last_number = ""
        screen = self.view.current_screen()
        chose = self.large_text or self.language != i18n.DEFAULT_LANGUAGE
        action = self.presence.check(now, screen, busy=self.busy, printed=self._printed,
                                     chose=chose)
        if action is Idle.HOME:
            self.go_home()
            self._visitor_gone()
            self.view.hold(AFTER_AUTO_HOME_GUARD_SECONDS)
        elif action is Idle.FORGET_CHOICES:
            self._visitor_gone()
        if screen == "accueil" or not self.busy:
            self.warning_shown = action is Idle.WARN
        self._render()

    def _set_busy(self, busy: bool) -> None:
        if busy == self.busy:
            return
        self.busy = busy
        if self._slow_timer is not None:
            self._slow_timer.cancel()
            self._slow_timer = None
        if busy:
            self._slow_timer = self.later(SLOW_AFTER_SECONDS, self._became_slow)
        else:
            self.slow = False
            # her delay runs again from the kiosk's answer: a slow answer (the database busy
            # behind a backup) neither sends her ticket away unseen nor shortens its screen
            self.presence.touched(self.now())

    def _became_slow(self) -> None:
        self._slow_timer = None
        self.slow = self.busy
        self._render()

    def staff_pin_ok(self, pin: str) -> bool:
        return bool(self.options.staff_pin) and pin == self.options.staff_pin

    # ------------------------------------------------------------ the ticket

    def start_ticket(self, priority: bool) -> None:
        if not self.is_open:
            self.notice = self.t("common.closed_now")
            self._render()
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

    def choose_procedure(self, procedure_id: str) -> None:
        if self.busy:
            return  # a second tap while the ticket is being made does not make two tickets
        self._set_busy(True)
        flow = self.flow
        self.db.submit(self.service.take, procedure_id, self.priority, self.language,
                       on_done=lambda issued: self._ticket_ready(flow, issued),
                       on_error=lambda exc: self._ticket_failed(flow, exc))
        self._render()

    def _ticket_ready(self, flow: int, issued: TicketIssued) -> None:
        if flow != self.flow:
            return  # she left (back to Accueil, which made her flow's busy end too)
        self._set_busy(False)
        self.forget_last_ticket()  # a new ticket: the previous visitor's one is not offered
        self.view.refresh_now()
        self._show_ticket(ShownTicket.issued(issued, self._title_of(issued.procedure_id)))

    def _show_ticket(self, ticket: ShownTicket) -> None:
        self.ticket = ticket
        self.ticket_title = self._title_of(ticket.procedure_id) or ticket.title
        words = ticket.as_dict()
        self.wait_note = i18n.wait_text(words, self.language) if ticket.past_closing else ""
        wait = "" if self.wait_note else f"   {i18n.wait_text(words, self.language)}"
        self.ahead_line = f"{i18n.ahead_text(ticket.ahead, self.language)}{wait}"
        self.notice = ""
        self.go("ticket")

    def _title_of(self, procedure_id: str) -> str:
        procedure = self.catalogue.procedure(procedure_id)
        return i18n.procedure_title(procedure, self.language) if procedure else ""

    def _ticket_failed(self, flow: int, exc: BaseException) -> None:
        if flow != self.flow:
            return
        self._set_busy(False)
        key = "common.closed_now" if isinstance(exc, NoOpenStopover) else "common.trouble"
        self.go_home()
        self.view.hold(AFTER_AUTO_HOME_GUARD_SECONDS)
        self.notice = self.t(key)
        self._render()

    def forget_last_ticket(self) -> None:
        self.presence.last_ticket = {}
        self.last_number = ""

    def show_last_ticket(self) -> None:
        """"Revoir mon ticket n° 12" on Accueil: the ticket screen again, as it was."""
        kept = dict(self.presence.last_ticket)
        if not kept:
            return
        self.go_home()
        self._show_ticket(ShownTicket(**kept))

    def not_my_procedure(self) -> None:
        """"Ce n'est pas ma démarche": the ticket is withdrawn (its number is never given again)
        and the visitor is back on the procedures of the same organism, priority kept."""
        if self.busy or self.ticket is None:
            return
        self._set_busy(True)
        flow, ticket = self.flow, self.ticket
        self.db.submit(self.service.withdraw, ticket.number, ticket.stopover_id,
                       on_done=lambda changed: self._withdrawn(flow, ticket, changed),
                       on_error=lambda exc: self._withdraw_failed(flow, exc))
        self._render()

    def _withdrawn(self, flow: int, ticket: ShownTicket, changed: TicketChanged) -> None:
        if flow != self.flow:
            return
        self._set_busy(False)
        if changed.state != "withdrawn":
            # too late: the ticket stays, and the visitor is told where she is expected
            self.notice = (self.t("ticket.already_called", desk=changed.desk)
                           if changed.state in ("called", "in_service") and changed.desk
                           else self.t("ticket.cannot_withdraw"))
            self._render()
            return
        self.ticket = None  # gone: neither kept for "Revoir mon ticket" nor shown again
        self.go_home()
        self.forget_last_ticket()
        self.priority = ticket.priority
        self.operator_id = ticket.operator_id
        self.notice = self.t("ticket.withdrawn", number=ticket.number)
        several = len(self.catalogue.procedures_of(self.operator_id)) > 1
        self.go("demarche" if several else "organisme")

    def _withdraw_failed(self, flow: int, exc: BaseException) -> None:
        if flow != self.flow:
            return
        self._set_busy(False)
        log.warning("kiosk: withdraw failed: %r", exc)
        self.notice = self.t("ticket.cannot_withdraw")
        self._render()

    # ------------------------------------------------------------ her list: paper or phone

    def print_list(self) -> None:
        """The list on paper; if the printer has not answered within PRINT_PATIENCE_SECONDS,
        the QR code instead (a late answer is then ignored)."""
        if self.busy or self.ticket is None:
            return
        self._set_busy(True)
        self.notice = self.t("ticket.printing")
        flow, ticket = self.flow, self.ticket
        answered = False

        def patience_over() -> None:
            nonlocal answered
            if not answered and flow == self.flow:
                answered = True
                self._print_fallback()

        def printed(outcome: PrintOutcome | None) -> None:
            nonlocal answered
            if answered or flow != self.flow:
                return
            answered = True
            if outcome is not None and outcome.ok:
                self._set_busy(False)  # and the shorter delay runs from the print
                self.notice = self.t("ticket.printed")
                if self.ticket is not None:
                    self.ticket = dataclasses.replace(self.ticket, printed=True)
                self._render()
            else:
                self._print_fallback()

        self.later(PRINT_PATIENCE_SECONDS, patience_over)
        # headings and the how-to line in the visitor's language; papers and steps in French
        self.device.submit(self.service.print_checklist, ticket.procedure_id, ticket.number,
                           self.language, on_done=printed, on_error=lambda _exc: printed(None))
        self._render()

    def _print_fallback(self) -> None:
        self._set_busy(False)
        self.show_qr(message=self.t("ticket.print_slow"))

    def show_qr(self, message: str = "") -> None:
        if self.ticket is None:
            return
        flow = self.flow
        self.qr_message = message
        self.db.submit(self.service.phone_qr, self.ticket.procedure_id, self.ticket.number,
                       self.language, on_done=lambda qr: self._qr_ready(flow, qr),
                       on_error=lambda exc: self._ticket_failed(flow, exc))
        self._render()

    def _qr_ready(self, flow: int, qr: PhoneQr) -> None:
        if flow != self.flow:
            return
        self.qr_codes = [[list(row) for row in matrix] for matrix in qr.matrices]
        self.qr_index = 0
        self.notice = ""
        self.go("qr")

    def show_code(self, index: int) -> None:
        """A long checklist comes in several codes, shown one at a time ("Code 1 sur 2"): one
        code in the camera's view, the phone cannot read the same one twice."""
        if not self.qr_codes:
            return
        self.qr_index = index % len(self.qr_codes)
        self._render()

    # ------------------------------------------------------------ the board and the calls

    def show_board(self, board: Board) -> None:
        first = self.board is None  # the first board's calls are history, not news
        self.is_open = board.is_open
        self.board = board
        self._board_texts(board)
        kept = self.presence.last_ticket
        if kept and any(c.number == kept["number"] for c in board.last_calls):
            self.forget_last_ticket()  # called: the screen and the voice say where to go
        self.spoken_calls = [(c.number, c.desk) for c in board.last_calls[:3]]
        fresh = [c for c in reversed(board.last_calls) if c.event_id > self.seen_call]
        if board.last_calls:
            self.seen_call = max(self.seen_call, board.last_calls[0].event_id)
        if not first:  # calls made before the kiosk started are not announced again
            self.banners.extend(Banner(c.number, c.desk, c.recall, self._echo_voice(c))
                                for c in fresh)
            self._next_banner()
        self._render()

    def _board_texts(self, board: Board) -> None:
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

    def _echo_voice(self, call: LastCall) -> str | None:
        """A ticket taken in Kréyòl is called in French, then in Créole in the Créole voice
        (creole_voice: ht); with creole_voice: fr, the French call alone."""
        if call.language == i18n.CREOLE and self.options.creole_voice == "ht":
            return "ht"
        return None

    def _next_banner(self) -> None:
        if self._banner_timer is not None and self.banner_shown:
            return  # one banner at a time: the next one when this one is done
        if not self.banners:
            self.banner_shown = False
            return
        call = self.banners.popleft()
        self.banner_text = self.t("banner.call", number=call.number, desk=call.desk)
        self.banner_sub = self.t("banner.go", desk=call.desk)
        self.banner_shown = True
        self.announcer.announce(call.number, call.desk, recall=call.recall,
                                echo_voice=call.echo_voice)
        self._banner_timer = self.later(BANNER_SECONDS, self.banner_done)

    def banner_done(self) -> None:
        """The banner's time is over, or she tapped it: the next call, if any."""
        if self._banner_timer is not None:
            self._banner_timer.cancel()
        self._banner_timer = None
        self.banner_shown = False
        self._next_banner()
        self._render()

    # ------------------------------------------------------------ read aloud and sound

    def read_aloud(self) -> None:
        """The "Écouter" button: say what the current screen shows and asks, after any call.
        When the kiosk cannot speak (no espeak-ng, no audio output), the visitor is told on the
        screen (report_sounds sees the failed reading in the announcer's problems)."""
        language, voice = reading.voice(self.language, self.options.creole_voice)
        text = self.spoken_screen(language)
        self.readings = [*self.readings[-(READINGS_KEPT - 1):], text]
        if not self.announcer.read(text, voice=voice):
            self.sound_failed()

    def spoken_screen(self, language: str | None = None) -> str:
        """The current screen in words for the ear (kiosk/apps/reading.py), in `language` (the
        screen's by default)."""
        lang = language or self.language
        titles, bus_words = self.view.screen_words(lang)
        board = self.board
        return reading.spoken(reading.Shown(
            screen=self.view.current_screen(), operator_id=self.operator_id,
            procedure_titles=titles,
            ticket=self.ticket.as_dict() if self.ticket is not None else None,
            qr_count=len(self.qr_codes), bus_words=bus_words,
            stop_name=board.stop_name if board else None,
            commune_name=board.commune_name if board else None,
            is_open=self.is_open, calls=tuple(self.spoken_calls)), self.catalogue, lang)

    def sound_failed(self) -> None:
        self.sound_note_shown = True
        if self._sound_note_timer is not None:
            self._sound_note_timer.cancel()
        self._sound_note_timer = self.later(SOUND_NOTE_SECONDS, self.hide_sound_note)
        self._render()

    def hide_sound_note(self) -> None:
        self._sound_note_timer = None
        self.sound_note_shown = False
        self._render()

    def report_sounds(self) -> None:
        """Chime or voice failures go to the event log, where the staff console shows them; the
        first success after a failure (or since the start) clears the console's line."""
        problems = self.announcer.problems
        for problem in self.sounds.new_problems(problems):
            self.db.submit(self.service.report_problem, self.sounds.device(problem.phase),
                           problem.message)
            if problem.text in self.readings:  # she pressed "Écouter" and heard nothing
                self.readings.remove(problem.text)
                self.sound_failed()
        for device in self.sounds.now_working(self.announcer.history, problems):
            self.db.submit(self.service.report_working, device)
