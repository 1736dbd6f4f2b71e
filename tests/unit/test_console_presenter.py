"""The console's presenter without a window: a real StaffService on a real SQLite database, a
view that keeps what it is shown, jobs run at once (or held, as a slow worker would) and a clock
the test moves (monotonic seconds from 1000, and the bus's Thursday morning)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Stopover, Ticket
from kiosk.apps import console_words as words
from kiosk.apps.console import StaffService
from kiosk.apps.presenter import QUIET_AFTER_CALL, ConsolePresenter, ConsoleState
from kiosk.core import services, staff


class Ticks:
    """Monotonic seconds and the timers due on them."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.timers: list[Timer] = []

    def __call__(self) -> float:
        return self.now

    def after(self, seconds: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.now + seconds, callback)
        self.timers.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for timer in [t for t in self.timers if t.due <= self.now and not t.cancelled]:
            timer.cancelled = True
            timer.callback()


class Timer:
    def __init__(self, due: float, callback: Callable[[], None]) -> None:
        self.due, self.callback, self.cancelled = due, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class Jobs:
    """The worker: each call runs at once, or waits for `flush()` while `hold` is set."""

    def __init__(self) -> None:
        self.hold = False
        self.waiting: list[tuple[Callable[..., Any], tuple[Any, ...], Any, Any]] = []

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Any = None,
               on_error: Any = None) -> None:
        self.waiting.append((fn, args, on_done, on_error))
        if not self.hold:
            self.flush()

    def flush(self) -> None:
        while self.waiting:
            fn, args, on_done, on_error = self.waiting.pop(0)
            try:
                result = fn(*args)
            except Exception as exc:  # noqa: BLE001 - handed to the presenter, as the worker does
                if on_error is not None:
                    on_error(exc)
            else:
                if on_done is not None:
                    on_done(result)


class View:
    def __init__(self, catalogue: Any) -> None:
        self.catalogue = catalogue
        self.state = ConsoleState()
        self.screens: list[str] = []
        self.printed: list[int] = []
        self.summaries: list[Any] = []
        self.questions: list[tuple[str, Any]] = []

    def render(self, state: ConsoleState) -> None:
        self.state = state

    def go(self, screen: str) -> None:
        self.screens.append(screen)

    def refresh_now(self) -> None:
        pass

    def refresh_catalogue(self) -> None:
        pass

    def ask_print(self, ticket: Any) -> None:
        self.printed.append(ticket.number)

    def show_summary(self, summary: Any) -> None:
        self.summaries.append(summary)

    def ask_reopen(self, question: str, reopen: Any) -> None:
        self.questions.append((question, reopen))


class Console:
    """The presenter and what it is wired to."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.ticks = Ticks()
        self.jobs = Jobs()
        self.view = View(ctx.catalogue)
        self.p = ConsolePresenter(StaffService(ctx), self.view, self.jobs, self.ticks, self.ticks)
        self.p.load()

    @property
    def state(self) -> ConsoleState:
        return self.view.state

    def board(self) -> None:
        """A poll of the board, as the app's clock does."""
        self.p.show_board(StaffService(self.ctx).board())

    def log_in(self, name: str = "Marie", pin: str = "1357", desk: int = 2) -> None:
        self.p.login(staff.find_staff(self.ctx, name).id, pin, desk)
        self.board()
        assert self.p.screen == "console" and self.state.desk == desk

    def states(self) -> dict[int, str]:
        with self.ctx.read() as s:
            return dict(s.execute(select(Ticket.number, Ticket.state)).all())

    def recalls(self, number: int) -> int:
        with self.ctx.read() as s:
            return s.scalar(select(Ticket.recall_count).where(Ticket.number == number))


@pytest.fixture
def c(staff_ctx) -> Console:
    return Console(staff_ctx)


# ---------------------------------------------------------------- login and being sent away


def test_login_greets_her_at_her_desk_and_a_wrong_pin_stays_on_the_login_screen(c):
    assert [m["name"] for m in c.state.members] == ["Josiane", "Marie", "Rose"]
    c.p.login(staff.find_staff(c.ctx, "Marie").id, "0000", 2)
    assert c.p.screen == "login" and c.state.message_is_error and not c.state.busy
    assert c.state.staff_id == 0
    c.p.login(0, "1357", 2)
    assert c.state.message == words.CHOOSE_NAME_FIRST
    c.log_in()
    assert c.state.message == "Bonjour Marie : vous êtes au poste 2."
    assert (c.state.staff_name, c.state.role, c.view.screens[-1]) == ("Marie", "animatrice",
                                                                      "console")


def test_she_is_sent_away_when_her_account_is_disabled(c):
    c.log_in()
    josiane = staff.authorise_coordinator(c.ctx, "Josiane", "2468")
    staff.disable_staff(c.ctx, "Marie", by=josiane)
    c.board()  # the next board after the change
    assert c.p.screen == "login" and c.view.screens[-1] == "login"
    assert (c.state.message, c.state.message_is_error) == ("Votre compte a été désactivé.", True)
    assert c.state.staff_id == 0 and c.state.desk == 0
    assert "Marie" not in [m["name"] for m in c.state.members]


def test_she_is_sent_away_when_a_colleague_took_her_desk(c):
    c.log_in()
    marie, rose = staff.find_staff(c.ctx, "Marie").id, staff.find_staff(c.ctx, "Rose").id
    staff.logout(c.ctx, marie, 2)  # from another console
    staff.login(c.ctx, rose, "8642", 2)
    c.board()
    assert c.p.screen == "login"
    assert c.state.message == "Le poste 2 a été repris par Rose."


def test_a_call_refused_for_a_disabled_account_sends_her_away_at_once(c):
    services.take_ticket(c.ctx, "autre")
    c.log_in()
    josiane = staff.authorise_coordinator(c.ctx, "Josiane", "2468")
    staff.disable_staff(c.ctx, "Marie", by=josiane)
    c.p.call_next()  # before any board said so
    assert c.p.screen == "login" and c.state.message_is_error
    assert c.states() == {1: "waiting"}


def test_she_cannot_leave_with_a_visitor_at_her_desk(c):
    services.take_ticket(c.ctx, "autre")
    c.log_in()
    c.p.call_next()
    c.p.logout()
    assert c.state.message == words.FINISH_VISIT_FIRST and c.p.screen == "console"


# ---------------------------------------------------------------- the double tap


def test_a_double_tap_on_appeler_calls_once_and_does_not_recall(c):
    for _ in range(2):
        services.take_ticket(c.ctx, "autre")
    c.log_in()
    c.p.call_next()
    assert c.state.current_number == "N° 1"
    assert c.state.message == "N° 1 appelé au poste 2."
    # the second tap lands on "Rappeler", which took the button's place
    c.ticks.advance(QUIET_AFTER_CALL - 0.1)
    c.p.recall()
    assert c.recalls(1) == 0, "the second tap of a double tap recalled"
    assert c.states() == {1: "called", 2: "waiting"}
    c.ticks.advance(0.2)  # a real second tap, later
    c.p.recall()
    assert c.recalls(1) == 1 and c.state.message == "N° 1 rappelé."


def test_no_second_call_while_the_first_is_on_its_way(c):
    for _ in range(2):
        services.take_ticket(c.ctx, "autre")
    c.log_in()
    asked = []
    call_next = c.p.service.call_next
    c.p.service.call_next = lambda *args: asked.append(args) or call_next(*args)  # counted
    c.jobs.hold = True  # a slow database: the first call has not answered yet
    c.p.call_next()
    assert c.state.calling and c.state.busy
    c.ticks.advance(2.0)
    c.p.call_next()
    c.jobs.flush()
    assert len(asked) == 1, "a second call went to the core"
    assert c.states() == {1: "called", 2: "waiting"}
    assert c.state.message == "N° 1 appelé au poste 2." and not c.state.message_is_error
    assert not c.state.calling and not c.state.busy


# ---------------------------------------------------------------- undo of a one-tap slip


def test_absent_can_be_undone_within_its_time(c):
    for _ in range(2):
        services.take_ticket(c.ctx, "autre")
    c.log_in()
    c.board()
    c.p.select(2)
    assert [r["selected"] for r in c.state.queue_rows] == [False, True]
    c.p.absent_selected()
    assert c.state.undo_text == "N° 2 marqué absent" and c.states()[2] == "no_show"
    assert c.state.selected == 0
    c.ticks.advance(c.p.undo_seconds - 0.1)
    assert c.state.undo_text == "N° 2 marqué absent"
    c.p.undo_last()
    assert c.states()[2] == "waiting" and c.state.undo_text == ""
    assert c.state.message == "N° 2 remis à sa place dans la file."
    # the visitor at my desk: "Absent" then "Annuler" calls her back here
    c.p.call_next()
    c.ticks.advance(1.0)
    c.p.absent()
    assert c.states()[1] == "no_show"
    c.p.undo_last()
    assert c.states()[1] == "called"
    assert c.state.message == "N° 1 de nouveau appelé au poste 2."


def test_a_cancelled_ticket_cannot_be_undone_once_its_bar_is_gone(c):
    services.take_ticket(c.ctx, "autre")
    c.log_in()
    c.board()
    c.p.select(1)
    c.p.cancel_selected()
    assert c.state.undo_text == "Ticket n° 1 annulé"
    c.ticks.advance(c.p.undo_seconds)
    assert c.state.undo_text == ""
    c.p.undo_last()
    assert c.states() == {1: "cancelled"}


def test_a_new_slip_replaces_the_undo_of_the_one_before(c):
    for _ in range(2):
        services.take_ticket(c.ctx, "autre")
    c.log_in()
    c.board()
    c.p.select(1)
    c.p.cancel_selected()
    c.ticks.advance(c.p.undo_seconds - 1)
    c.board()
    c.p.select(2)
    c.p.absent_selected()
    c.ticks.advance(2)  # the first bar's time is over, not the second's
    assert c.state.undo_text == "N° 2 marqué absent"
    c.p.undo_last()
    assert c.states() == {1: "cancelled", 2: "waiting"}


# ---------------------------------------------------------------- failures in words


def test_a_write_the_database_refuses_is_one_french_line(c):
    services.take_ticket(c.ctx, "autre")
    c.log_in()
    with c.ctx.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TRIGGER no_call BEFORE UPDATE ON tickets "
                                   "BEGIN SELECT RAISE(ABORT, 'appels suspendus'); END")
    c.p.call_next()
    assert c.state.message == "La base de données a refusé l'écriture (appels suspendus)."
    assert c.state.message_is_error and not c.state.busy and not c.state.calling
    assert c.state.current == {} and c.states() == {1: "waiting"}


def test_an_empty_queue_and_an_unknown_failure_are_said_plainly(c):
    c.log_in()
    c.p.call_next()
    assert (c.state.message, c.state.message_is_error) == ("Personne n'attend.", False)

    def broken() -> None:
        raise RuntimeError("socket closed by a gremlin")

    c.ticks.advance(1.0)
    c.p.run_job(broken)
    assert (c.state.message, c.state.message_is_error) == (words.DATABASE_UNKNOWN_TROUBLE, True)
    assert "gremlin" not in c.state.message


def test_the_coordinator_screens_are_hers_alone(c):
    c.log_in()
    c.p.open_statistics()
    c.p.open_team()
    assert c.p.screen == "console" and c.state.message == words.TEAM_COORDINATOR_ONLY
    assert "statistics" not in c.view.screens and "team" not in c.view.screens


# ---------------------------------------------------------------- half-days


def stopovers(ctx) -> list[tuple[str, bool]]:
    with ctx.read() as s:
        return [(stop, closed is not None) for stop, closed in
                s.execute(select(Stopover.stop_id, Stopover.closed_at).order_by(Stopover.id))]


def test_opening_a_half_day_then_undoing_it(c):
    c.log_in("Josiane", "2468", desk=1)
    services.close_stopover(c.ctx)
    c.p.open_stopover("francois-dostaly", "morning")
    assert c.state.message.startswith("Escale ouverte : Le François, ")
    assert c.state.open_undo_text.startswith("Escale ouverte au François – ")
    assert c.state.open_undo_text.endswith("(matin, 9 h 00)")
    c.ticks.advance(c.p.undo_open_seconds - 0.1)
    c.p.undo_open_stopover()
    assert stopovers(c.ctx) == [("ducos-bourg", True)]
    assert c.state.message.startswith("Ouverture annulée : l'escale Le François – ")
    assert c.state.open_undo_text == ""


def test_an_opening_stays_once_its_undo_bar_is_gone(c):
    c.log_in("Josiane", "2468", desk=1)
    services.close_stopover(c.ctx)
    c.p.open_stopover("francois-dostaly", "morning")
    c.ticks.advance(c.p.undo_open_seconds)
    assert c.state.open_undo_text == ""
    c.p.undo_open_stopover()
    assert stopovers(c.ctx) == [("ducos-bourg", True), ("francois-dostaly", False)]


def test_the_half_day_just_closed_is_reopened_only_by_its_own_question(c):
    """Close, then "Ouvrir" on the same stop and half-day: nothing opens; the console asks, in
    words of its own, and reopens only if she chooses it."""
    c.log_in("Josiane", "2468", desk=1)
    c.p.close_stopover()
    c.p.open_stopover("ducos-bourg", "morning")
    assert stopovers(c.ctx) == [("ducos-bourg", True)], "still closed"
    [(question, reopen)] = c.view.questions
    assert question.startswith("Cette demi-journée (Ducos – Bourg, place de la mairie, ")
    assert c.state.message == question and c.state.message_is_error
    reopen()
    assert stopovers(c.ctx) == [("ducos-bourg", False)]
    assert c.state.message.startswith("Escale ouverte : Ducos, ")


def test_closing_says_the_counts_and_shows_the_summary(c):
    services.take_ticket(c.ctx, "autre")
    c.log_in("Josiane", "2468", desk=1)
    c.p.close_stopover()
    assert c.state.message == "Escale fermée : 0 reçu(s), 1 non reçu(s)."
    assert [s.unserved for s in c.view.summaries] == [1]
    assert stopovers(c.ctx) == [("ducos-bourg", True)]


# ---------------------------------------------------------------- tickets on a visitor's behalf


def test_a_walk_in_ticket_is_offered_to_print(c):
    c.log_in()
    c.p.new_ticket("caf-rsa", priority=True)
    assert c.view.printed == [1]
    assert c.state.message == "Ticket n° 1 créé (0 personne(s) avant)."
