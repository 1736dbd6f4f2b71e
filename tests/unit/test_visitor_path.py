"""The visitor's path without a window (kiosk/apps/path.py): what each tap does, what the core's
answers mean, and what the board's calls become. A fake view records the screens shown, a fake
service answers like the core, the core's calls wait in a queue until the test answers them, and
the clock is the test's (seconds from 1000). The UI tests (tests/ui/test_visitor_*.py) play the
same through the real kiosk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from kiosk.apps.path import (
    AFTER_AUTO_HOME_GUARD_SECONDS,
    BANNER_SECONDS,
    PRINT_PATIENCE_SECONDS,
    SLOW_AFTER_SECONDS,
    KioskOptions,
    VisitorPath,
)
from kiosk.apps.visitor import Board, PhoneQr
from kiosk.content import i18n
from kiosk.content.catalogue import load_catalogue
from kiosk.core.services import TicketChanged, TicketIssued
from kiosk.core.views import LastCall
from kiosk.domain import WaitRange
from kiosk.errors import NoOpenStopover
from kiosk.output.announcements import PhaseRecord, Problem
from kiosk.output.printing import PrintOutcome
from kiosk.system.config import ASSETS_DIR

TAKEN = dt.datetime(2026, 11, 26, 9, 0)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ASSETS_DIR / "catalogue")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Timer:
    def __init__(self, due: float, action: Callable[[], None]) -> None:
        self.due, self.action, self.cancelled = due, action, False

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    """The path's `later`, on the test's clock: `advance` moves the clock and runs what is due."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.pending: list[Timer] = []

    def __call__(self, seconds: float, action: Callable[[], None]) -> Timer:
        timer = Timer(self.clock.now + seconds, action)
        self.pending.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        self.clock.now += seconds
        while due := [t for t in self.pending if t.due <= self.clock.now and not t.cancelled]:
            timer = min(due, key=lambda t: t.due)
            self.pending.remove(timer)
            timer.action()


class Jobs:
    """A worker that runs nothing until the test says `answer`."""

    def __init__(self) -> None:
        self.queued: list[tuple[Callable[..., Any], tuple[Any, ...], Any, Any]] = []

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Any = None,
               on_error: Any = None) -> None:
        self.queued.append((fn, args, on_done, on_error))

    def calls(self, name: str) -> list[tuple[Any, ...]]:
        return [args for fn, args, _d, _e in self.queued if fn.__name__ == name]

    def answer(self, name: str) -> None:
        """Run the oldest queued call of `name` and hand its result (or error) back."""
        job = next(j for j in self.queued if j[0].__name__ == name)
        self.queued.remove(job)
        fn, args, on_done, on_error = job
        try:
            result = fn(*args)
        except Exception as exc:  # noqa: BLE001 - handed back, as the worker does
            if on_error is not None:
                on_error(exc)
        else:
            if on_done is not None:
                on_done(result)

    def answer_all(self) -> None:
        while self.queued:
            self.answer(self.queued[0][0].__name__)


class Service:
    """Answers like VisitorService, from memory."""

    def __init__(self, catalogue: Any) -> None:
        self._catalogue = catalogue
        self.number = 0
        self.taken: list[tuple[str, bool, str]] = []
        self.take_error: BaseException | None = None
        self.withdraw_answer: TicketChanged | None = None
        self.print_ok = True
        self.problems: list[tuple[str, str]] = []
        self.working: list[str] = []

    def catalogue(self) -> Any:
        return self._catalogue

    def take(self, procedure_id: str, priority: bool, language: str = "fr") -> TicketIssued:
        if self.take_error is not None:
            raise self.take_error
        self.number += 1
        self.taken.append((procedure_id, priority, language))
        procedure = self._catalogue.procedure(procedure_id)
        return TicketIssued(self.number, procedure_id, procedure.operator_id, priority, 2,
                            WaitRange(10, 20), TAKEN, 7, "morning", TAKEN.replace(hour=13))

    def withdraw(self, number: int, stopover_id: int) -> TicketChanged:
        return self.withdraw_answer or TicketChanged(number, "withdrawn", None)

    def print_checklist(self, procedure_id: str, number: int | None,
                        language: str = "fr") -> PrintOutcome:
        return PrintOutcome(self.print_ok, "imprimé" if self.print_ok else "pas de papier")

    def phone_qr(self, procedure_id: str, number: int | None, language: str = "fr") -> PhoneQr:
        return PhoneQr(("a", "b"), (((True, False),), ((False, True),)))

    def report_problem(self, device: str, message: str) -> None:
        self.problems.append((device, message))

    def report_working(self, device: str) -> None:
        self.working.append(device)


class View:
    def __init__(self) -> None:
        self.screen = "accueil"
        self.shown: list[str] = []
        self.holds: list[float] = []
        self.refreshed = 0
        self.rendered: list[tuple[str, int | None]] = []  # (screen, ticket) at each render

    def current_screen(self) -> str:
        return self.screen

    def go(self, screen: str) -> None:
        self.screen = screen
        self.shown.append(screen)

    def home(self) -> None:
        if self.screen != "accueil":
            self.go("accueil")

    def hold(self, seconds: float) -> None:
        self.holds.append(seconds)

    def render(self, path: VisitorPath) -> None:
        self.rendered.append((self.screen, path.ticket.number if path.ticket else None))

    def refresh_now(self) -> None:
        self.refreshed += 1

    def screen_words(self, language: str) -> tuple[tuple[str, ...], str]:
        return (), ""


class Announcer:
    def __init__(self) -> None:
        self.announced: list[tuple[int, int, bool, str | None]] = []
        self.read_texts: list[tuple[str, str | None]] = []
        self.problems: list[Problem] = []
        self.history: list[PhaseRecord] = []
        self.hushed = 0

    def announce(self, number: int, desk: int, recall: bool = False,
                 echo_voice: str | None = None) -> bool:
        self.announced.append((number, desk, recall, echo_voice))
        return True

    def read(self, text: str, voice: str | None = None) -> bool:
        self.read_texts.append((text, voice))
        return True

    def hush_readings(self) -> None:
        self.hushed += 1


class Kiosk:
    """A path and its fakes."""

    def __init__(self, catalogue: Any, first_calls: tuple[tuple[int, int], ...] = (),
                 **options: Any) -> None:
        self.clock = Clock()
        self.timers = Timers(self.clock)
        self.service = Service(catalogue)
        self.view = View()
        self.db, self.device = Jobs(), Jobs()
        self.announcer = Announcer()
        self.path = VisitorPath(self.service, self.view, db=self.db, device=self.device,
                                announcer=self.announcer, later=self.timers, now=self.clock,
                                options=KioskOptions(**options))
        self.events: dict[tuple[int, int], int] = {}
        self.path.show_board(self.board(*first_calls))

    def board(self, *calls: tuple[int, int], is_open: bool = True,
              language: str = "fr") -> Board:
        """A board with `calls` (number, desk), the newest first; a call not seen on an earlier
        board is a new call event."""
        for call in reversed(calls):
            if call not in self.events:
                self.events[call] = len(self.events) + 1
        last = tuple(LastCall(self.events[(number, desk)], number, desk, TAKEN, language=language)
                     for number, desk in calls)
        return Board(1, is_open, "Bourg", "Ducos", "97207", (), last)

    def take(self, operator: str, procedure: str | None = None,
             priority: bool = False) -> None:
        self.path.start_ticket(priority)
        self.path.choose_operator(operator)
        if procedure is not None:
            self.path.choose_procedure(procedure)
        self.db.answer("take")


def fr(key: str, **values: Any) -> str:
    return i18n.t(key, "fr", **values)


# ---------------------------------------------------------------- a ticket


def test_a_ticket_taken_in_three_taps_shows_its_number_and_wait(catalogue):
    k = Kiosk(catalogue)
    k.path.start_ticket(False)
    assert k.view.screen == "organisme"
    k.path.choose_operator("edf")
    assert k.view.screen == "demarche" and k.path.operator_id == "edf"
    k.path.choose_procedure("edf-facture")
    assert k.path.busy and k.view.screen == "demarche", "waits for the core"
    k.db.answer("take")
    assert k.service.taken == [("edf-facture", False, "fr")]
    assert k.view.screen == "ticket" and not k.path.busy
    assert k.path.ticket is not None and k.path.ticket.number == 1
    assert k.path.ticket_title == "Comprendre et payer ma facture EDF"
    assert k.path.ahead_line == "2 personnes avant vous.   Attente : 10 à 20 minutes"
    assert k.view.refreshed == 1, "our own ticket: the board is fetched at the next poll"
    assert k.view.rendered[-1] == ("demarche", 1), "the ticket is rendered before its screen"


def test_an_organism_of_one_procedure_gives_the_ticket_at_the_second_tap(catalogue):
    k = Kiosk(catalogue)
    k.take("autre", priority=True)
    assert k.service.taken == [("autre", True, "fr")]
    assert k.view.shown == ["organisme", "ticket"]


def test_the_kiosk_closed_takes_no_ticket(catalogue):
    k = Kiosk(catalogue)
    k.path.show_board(k.board(is_open=False))
    k.path.start_ticket(False)
    assert k.view.screen == "accueil" and k.path.notice == fr("common.closed_now")


def test_a_double_tap_makes_one_ticket(catalogue):
    k = Kiosk(catalogue)
    k.path.start_ticket(False)
    k.path.choose_operator("edf")
    k.path.choose_procedure("edf-facture")
    k.path.choose_procedure("edf-facture")
    k.path.choose_procedure("edf-contrat")
    assert len(k.db.calls("take")) == 1
    k.db.answer_all()
    assert k.service.taken == [("edf-facture", False, "fr")]


def test_please_wait_shows_only_when_the_answer_is_slow(catalogue):
    k = Kiosk(catalogue)
    k.path.start_ticket(False)
    k.path.choose_operator("edf")
    k.path.choose_procedure("edf-facture")
    k.timers.advance(SLOW_AFTER_SECONDS / 2)
    assert k.path.busy and not k.path.slow
    k.timers.advance(SLOW_AFTER_SECONDS)
    assert k.path.slow
    k.clock.now += 300  # the database was busy behind a backup
    k.db.answer("take")
    assert not k.path.slow
    assert k.path.presence.last_touch == k.clock.now, "her ticket's delay runs from the answer"


def test_an_answer_of_a_flow_she_left_is_ignored(catalogue):
    k = Kiosk(catalogue)
    k.path.start_ticket(False)
    k.path.choose_operator("edf")
    k.path.choose_procedure("edf-facture")  # ticket 1 asked...
    k.path.go_home()                        # ...and she went back to Accueil before it came
    k.path.start_ticket(False)
    k.path.choose_operator("autre")         # ticket 2 asked, in a new flow
    assert k.path.busy
    k.db.answer("take")                     # ticket 1 comes: not hers any more
    assert k.view.screen == "organisme" and k.path.ticket is None
    assert k.path.busy, "the new flow still waits: a second tap must not make a third ticket"
    k.db.answer("take")
    assert k.view.screen == "ticket" and k.path.ticket is not None
    assert k.path.ticket.number == 2


def test_a_failure_sends_her_home_with_words_and_a_quiet_time(catalogue):
    k = Kiosk(catalogue)
    k.service.take_error = RuntimeError("database is locked")
    k.path.start_ticket(False)
    k.path.choose_operator("autre")
    k.db.answer("take")
    assert k.view.screen == "accueil" and not k.path.busy
    assert k.path.notice == fr("common.trouble")
    assert k.view.holds == [AFTER_AUTO_HOME_GUARD_SECONDS]
    k.service.take_error = NoOpenStopover()
    k.path.start_ticket(False)
    k.path.choose_operator("autre")
    k.db.answer("take")
    assert k.path.notice == fr("common.closed_now")


# ---------------------------------------------------------------- "Ce n'est pas ma démarche"


def test_a_withdrawn_ticket_brings_her_back_to_the_procedures_of_her_organism(catalogue):
    k = Kiosk(catalogue)
    k.take("edf", "edf-facture", priority=True)
    k.path.not_my_procedure()
    k.path.not_my_procedure()
    assert len(k.db.calls("withdraw")) == 1 and k.db.calls("withdraw")[0] == (1, 7)
    k.db.answer("withdraw")
    assert k.view.screen == "demarche"
    assert k.path.notice == fr("ticket.withdrawn", number=1)
    assert k.path.priority and k.path.operator_id == "edf", "organism and priority kept"
    assert k.path.ticket is None
    assert k.path.last_number == "" and not k.path.presence.last_ticket, "not offered again"


def test_a_withdrawn_ticket_of_a_one_procedure_organism_goes_back_to_the_organisms(catalogue):
    k = Kiosk(catalogue)
    k.take("autre")
    k.path.not_my_procedure()
    k.db.answer("withdraw")
    assert k.view.screen == "organisme" and k.path.notice == fr("ticket.withdrawn", number=1)


def test_too_late_to_withdraw_tells_her_the_desk_that_called_her(catalogue):
    k = Kiosk(catalogue)
    k.take("edf", "edf-facture")
    k.service.withdraw_answer = TicketChanged(1, "called", 2)
    k.path.not_my_procedure()
    k.db.answer("withdraw")
    assert k.view.screen == "ticket" and k.path.ticket is not None
    assert k.path.notice == fr("ticket.already_called", desk=2)
    k.service.withdraw_answer = TicketChanged(1, "done", None)
    k.path.not_my_procedure()
    k.db.answer("withdraw")
    assert k.path.notice == fr("ticket.cannot_withdraw")


# ---------------------------------------------------------------- paper or phone


def test_a_printed_list_shortens_the_ticket_screen(catalogue):
    k = Kiosk(catalogue)
    k.take("autre")
    assert k.path.patience() == 120
    k.path.print_list()
    assert k.path.notice == fr("ticket.printing") and k.path.busy
    k.clock.now += 1.5
    k.device.answer("print_checklist")
    assert k.path.presence.last_touch == k.clock.now, "the shorter delay runs from the print"
    assert k.path.notice == fr("ticket.printed") and not k.path.busy
    assert k.path.ticket is not None and k.path.ticket.printed
    assert k.path.patience() == 30
    k.timers.advance(PRINT_PATIENCE_SECONDS)
    assert k.view.screen == "ticket", "the printer answered: no QR code after all"


def test_a_silent_printer_gives_the_qr_code_and_its_late_answer_is_ignored(catalogue):
    k = Kiosk(catalogue)
    k.take("autre")
    k.path.print_list()
    k.timers.advance(PRINT_PATIENCE_SECONDS)
    assert not k.path.busy and k.path.qr_message == fr("ticket.print_slow")
    k.db.answer("phone_qr")
    assert k.view.screen == "qr" and k.path.qr_matrix == [[True, False]]
    k.device.answer("print_checklist")  # the printer wakes up
    assert k.path.notice == "" and k.path.ticket is not None and not k.path.ticket.printed
    k.path.show_code(k.path.qr_index + 1)
    assert k.path.qr_matrix == [[False, True]]
    k.path.show_code(k.path.qr_index + 1)
    assert k.path.qr_matrix == [[True, False]], "after the last code, the first one"


def test_a_failed_print_gives_the_qr_code_at_once(catalogue):
    k = Kiosk(catalogue)
    k.take("autre")
    k.service.print_ok = False
    k.path.print_list()
    k.device.answer("print_checklist")
    assert k.db.calls("phone_qr") and k.path.qr_message == fr("ticket.print_slow")


# ---------------------------------------------------------------- leaving


def test_her_ticket_stays_offered_on_accueil_until_it_is_called(catalogue):
    k = Kiosk(catalogue)
    k.take("autre")
    k.path.finish()
    assert k.view.screen == "accueil" and k.path.last_number == "1"
    k.path.show_last_ticket()
    assert k.view.screen == "ticket" and k.path.ticket is not None
    assert k.path.ticket.number == 1 and k.path.ahead_line.startswith("2 personnes")
    k.path.finish()
    k.path.show_board(k.board((5, 1)))
    assert k.path.last_number == "1", "another number called"
    k.path.show_board(k.board((1, 2), (5, 1)))
    assert k.path.last_number == "" and not k.path.presence.last_ticket
    k.path.show_last_ticket()
    assert k.view.screen == "accueil"


def test_she_went_away_the_screen_goes_home_and_her_choices_are_forgotten(catalogue):
    k = Kiosk(catalogue, idle_seconds=45, warn_seconds=15)
    k.path.toggle_language()
    k.path.toggle_large_text()
    k.path.start_ticket(False)
    assert k.path.language == "gcf" and k.path.large_text
    k.clock.now += 30
    k.path.check_idle()
    assert k.path.warning_shown and k.view.screen == "organisme"
    k.clock.now += 15
    k.path.check_idle()
    assert k.view.screen == "accueil" and not k.path.warning_shown
    assert k.path.language == "fr" and not k.path.large_text
    assert k.view.holds == [AFTER_AUTO_HOME_GUARD_SECONDS]


def test_the_language_rewrites_accueil_and_the_ticket_title(catalogue):
    k = Kiosk(catalogue)
    assert k.path.stop_text.startswith("Aujourd'hui")
    k.path.toggle_language()
    assert k.path.stop_text == i18n.stop_text("Bourg", "Ducos", "gcf")
    k.take("edf", "edf-facture")
    assert k.service.taken[-1][2] == "gcf"
    assert k.path.ticket_title == "Konprann é péyé fakti EDF mwen"
    k.path.set_language("fr")
    assert k.path.ticket_title == "Comprendre et payer ma facture EDF"


# ---------------------------------------------------------------- the calls


def test_the_first_boards_calls_are_history_and_later_ones_are_announced_in_order(catalogue):
    k = Kiosk(catalogue, first_calls=((3, 1), (2, 2)))  # calls made before the kiosk started
    assert k.announcer.announced == [] and not k.path.banner_shown
    assert k.path.calls == [fr("accueil.call", number=3, desk=1),
                            fr("accueil.call", number=2, desk=2)]
    # two calls, newest first on the board: announced oldest first, one banner at a time
    k.path.show_board(k.board((5, 2), (4, 1), (3, 1), (2, 2)))
    assert k.announcer.announced == [(4, 1, False, None)]
    assert k.path.banner_shown and k.path.banner_text == fr("banner.call", number=4, desk=1)
    k.timers.advance(BANNER_SECONDS)
    assert k.announcer.announced == [(4, 1, False, None), (5, 2, False, None)]
    assert k.path.banner_text == fr("banner.call", number=5, desk=2)
    k.path.banner_done()  # she tapped it
    assert not k.path.banner_shown
    k.path.show_board(k.board((5, 2), (4, 1), (3, 1), (2, 2)))  # a poll with no new call
    k.timers.advance(BANNER_SECONDS)
    assert len(k.announcer.announced) == 2, "each call once"


def test_a_ticket_taken_in_kreyol_is_called_again_in_the_creole_voice(catalogue):
    k = Kiosk(catalogue)
    k.path.show_board(k.board((4, 1), language="gcf"))
    assert k.announcer.announced == [(4, 1, False, "ht")]
    k = Kiosk(catalogue, creole_voice="fr")
    k.path.show_board(k.board((4, 1), language="gcf"))
    assert k.announcer.announced == [(4, 1, False, None)]


# ---------------------------------------------------------------- sound


def test_sound_problems_reach_the_console_once_and_a_success_clears_them(catalogue):
    k = Kiosk(catalogue)
    k.announcer.history.append(PhaseRecord(10.0, 11.0, "chime", "N° 4"))
    k.announcer.problems.append(Problem(12.0, "speech", "N° 4", "synthèse vocale absente"))
    k.announcer.history.append(PhaseRecord(11.0, 12.0, "speech", "N° 4"))
    k.path.report_sounds()
    k.path.report_sounds()
    k.db.answer_all()
    assert k.service.problems == [("speech", "synthèse vocale absente")]
    assert k.service.working == ["audio"], "the chime played: said once"
    k.announcer.history.append(PhaseRecord(20.0, 21.0, "chime", "N° 5"))
    k.announcer.history.append(PhaseRecord(21.0, 22.0, "speech", "N° 5"))
    k.path.report_sounds()
    k.path.report_sounds()
    k.db.answer_all()
    assert k.service.working == ["audio", "speech"], "the voice works again: said once"


def test_listen_heard_by_nobody_is_said_on_the_screen(catalogue):
    k = Kiosk(catalogue)
    k.path.start_ticket(False)
    k.path.read_aloud()
    text, voice = k.announcer.read_texts[-1]
    assert text.startswith("Pour quel organisme venez-vous ?") and voice is None
    k.announcer.problems.append(Problem(5.0, "speech", "autre chose", "voix absente"))
    k.path.report_sounds()
    assert not k.path.sound_note_shown, "not her reading"
    k.announcer.problems.append(Problem(6.0, "speech", text, "voix absente"))
    k.path.report_sounds()
    assert k.path.sound_note_shown
    k.timers.advance(8.0)
    assert not k.path.sound_note_shown
