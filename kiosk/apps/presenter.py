"""The console's presenter, in plain Python (no Kivy): what the animatrices' console decides.

Who is logged in and at which desk, when she is sent away, the visitor selected, the queue's
actions and their undo bar, the visitor at her desk, tickets on a visitor's behalf, the pause,
opening and closing the half-day, and the one line that says what happened. It talks to the
core through `ConsolePort` (kiosk/apps/ports.py) and to the outside through three small
Protocols declared here: the `View` that renders its `ConsoleState` (screens/staff_app.py), the
`Jobs` that run a core call off the screen's thread (screens/worker.py's Worker), and `Later`
for its timers. Times come from the clock it is given, so the unit tests drive it with a fake
view, synchronous jobs and a clock of their own (tests/unit/test_console_presenter.py).

Its size (~630 lines): one method per button of the console, each with its answer and its
failure in words; split by screen, the login, the desk and the half-day would share the same
state and the same undo bar, and every method would need the others."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.apps import console_words as words
from kiosk.apps.desk_view import desk_view, visitor_text
from kiosk.core.staff import COORDINATOR
from kiosk.errors import (
    DeskNotYours,
    KioskError,
    NoTicketWaiting,
    StaffDisabled,
    StopoverWasClosed,
)
from kiosk.system.dbtrouble import DISK_FULL, FULL, full_stop

if TYPE_CHECKING:
    import datetime as dt

    from kiosk.apps.ports import ConsolePort
    from kiosk.content.catalogue import Catalogue, Procedure
    from kiosk.core.services import (
        StopoverClosed,
        StopoverInfo,
        TicketCalled,
        TicketIssued,
    )
    from kiosk.core.views import StaffBoard, StopoverSummary

log = logging.getLogger("borne-plus")

QUIET_AFTER_CALL = 0.5  # seconds: a second tap of a double tap on "Appeler" must do nothing
UNDO_SECONDS = 8.0  # "N° 12 marqué absent — Annuler" stays this long
UNDO_OPEN_SECONDS = 10.0  # "Escale ouverte à … — Annuler" stays this long
STALE_SHOWN = 3  # procedures named in the line of entries to check again


Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Jobs(Protocol):
    """Runs a core call away from the screen's thread; its answer comes back on it."""

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Done | None = None,
               on_error: Failed | None = None) -> None:
        ...


class Timer(Protocol):
    def cancel(self) -> None:
        ...


class Later(Protocol):
    """Calls back once, `seconds` from now, on the screen's thread."""

    def after(self, seconds: float, callback: Callable[[], None]) -> Timer:
        ...


class View(Protocol):
    """What the presenter asks of the window."""

    catalogue: Catalogue  # the one the core uses now (the view takes it again when it changes)

    def render(self, state: ConsoleState) -> None:
        """Show the state (the Kivy app copies it onto its properties)."""

    def go(self, screen: str) -> None:
        """login, console, statistics or team."""

    def refresh_now(self) -> None:
        """Our own write changed the queue: fetch the board at the next poll."""

    def refresh_catalogue(self) -> None:
        """Take again the catalogue the core uses."""

    def ask_print(self, ticket: TicketIssued) -> None:
        """Offer to print the slip of a ticket made on a visitor's behalf."""

    def ask_reopen(self, question: str, reopen: Callable[[], None]) -> None:
        """The half-day asked for was closed already: say so and what reopening means, and
        call `reopen` if she chooses it."""

    def show_summary(self, summary: StopoverSummary) -> None:
        """A half-day's figures."""


@dataclass
class ConsoleState:
    """Everything the console shows, as plain values (the Kivy app's properties bear the same
    names). queue_rows carry an operator's pictogram name; the view turns it into its image."""

    # who is working where
    staff_id: int = 0
    staff_name: str = ""
    role: str = ""
    desk: int = 0
    desk_status: str = "closed"
    members: list[dict[str, Any]] = field(default_factory=list)
    communes: list[tuple[str, str]] = field(default_factory=list)
    # the live board (kiosk/apps/desk_view.py)
    stopover_text: str = ""
    is_open: bool = False
    serving: bool = False
    counts_text: str = ""
    queue_rows: tuple[dict[str, Any], ...] = ()
    desks_text: str = ""
    current: dict[str, Any] = field(default_factory=dict)
    current_number: str = ""
    current_state: str = ""
    current_text: str = ""
    selected: int = 0
    status_text: str = ""
    db_problem: str = ""
    # the line under the desk and the bars
    message: str = ""
    message_is_error: bool = False
    busy: bool = False
    calling: bool = False  # a call is on its way: "Appeler" stays disabled
    undo_text: str = ""  # "N° 12 marqué absent": the undo bar
    open_undo_text: str = ""  # "Escale ouverte à …": the opening's undo bar


class ConsolePresenter:
    def __init__(self, service: ConsolePort, view: View, jobs: Jobs, later: Later,
                 clock: Callable[[], float]) -> None:
        self.service = service
        self.view = view
        self.jobs = jobs
        self.later = later
        self.clock = clock  # monotonic seconds: the double-tap guard
        self.state = ConsoleState()
        self.screen = "login"
        self.board: StaffBoard | None = None
        self.stale: tuple[Procedure, ...] = ()
        self.backup_note = ""  # the coordinator's reminder of a copy on a USB key
        self.catalogue_note = ""  # a catalogue file on disk that cannot be read
        self.undo_seconds = UNDO_SECONDS
        self.undo_open_seconds = UNDO_OPEN_SECONDS
        self._undo: tuple[Callable[..., Any], int] | None = None
        self._undo_timer: Timer | None = None
        self._opened: int | None = None  # the stopover the opening's undo bar would close
        self._open_timer: Timer | None = None
        self._called_at: float | None = None  # the clock at the latest tap on a call button
        self._db_down_since: dt.datetime | None = None
        self._members_asked = False  # the login screen's check of the names is on its way

    # ------------------------------------------------------------ rendering and jobs

    def _render(self) -> None:
        self.view.render(self.state)

    def _go(self, screen: str) -> None:
        self.screen = screen
        self.view.go(screen)

    def load(self) -> None:
        """The console opens: the names, the residence choices, the entries to check again."""
        self.load_members()
        self.run_job(self.service.communes, on_done=self._on_communes)
        self.run_job(self.service.stale_procedures, on_done=self._on_stale)

    def run_job(self, fn: Callable[..., Any], *args: Any, on_done: Done | None = None,
                done_message: str | Callable[[Any], str] | None = None,
                on_failed: Failed | None = None) -> None:
        """Run one core call in the worker; a refusal becomes a message, never a crash."""

        def done(result: Any) -> None:
            self.state.busy = False
            if done_message is not None:
                self.say(done_message(result) if callable(done_message) else done_message)
            if on_done is not None:
                on_done(result)
            self._render()
            self.view.refresh_now()

        def failed(exc: BaseException) -> None:
            self.state.busy = False
            if on_failed is not None:
                on_failed(exc)
            if isinstance(exc, (StaffDisabled, DeskNotYours)) and self.state.staff_id:
                # refused by the core before the board said so: leave at once, with the reason
                self.sent_away(exc.message)
            elif isinstance(exc, NoTicketWaiting):
                self.say(words.NOBODY_WAITING)
            elif isinstance(exc, KioskError):
                self.say(exc.message, error=True)
            else:
                log.error("console: %s failed", getattr(fn, "__name__", fn), exc_info=exc)
                self.say(self.trouble_line(exc), error=True)
            self._render()

        self.state.busy = True
        self._render()
        self.jobs.submit(fn, *args, on_done=done, on_error=failed)

    def say(self, text: str, error: bool = False) -> None:
        self.state.message = text
        self.state.message_is_error = error
        self._render()

    def trouble_line(self, exc: BaseException) -> str:
        """A failure of the database (or of anything the core did not refuse by name) in one
        French sentence: « La base de données a refusé l'écriture (…) » for a write refused,
        « Base de données inaccessible : connexion refusée… », never the driver's English,
        which stays in the log."""
        trouble = self.service.trouble(exc)
        return trouble.line() if trouble.known else words.DATABASE_UNKNOWN_TROUBLE

    # ------------------------------------------------------------ login

    @property
    def is_coordinator(self) -> bool:
        return self.state.role == COORDINATOR

    def load_members(self) -> None:
        self.run_job(self.service.members, on_done=self._on_members)

    def _on_members(self, members: Any) -> None:
        listed = [{"id": m.id, "name": m.name, "role": m.role} for m in members]
        if listed != self.state.members:  # the same names: the buttons stay as they are
            self.state.members = listed
            self._render()

    def _on_communes(self, communes: Any) -> None:
        self.state.communes = list(communes)

    def _on_stale(self, stale: tuple[Procedure, ...]) -> None:
        self.stale = stale

    def check_members(self) -> None:
        """While the login screen shows, the names again (quietly: no busy state, no message;
        a database out of reach is said by the board's poll)."""
        if self.state.staff_id or self.screen != "login" or self._members_asked:
            return
        self._members_asked = True

        def answered(members: Any) -> None:
            self._members_asked = False
            self._on_members(members)

        def failed(_exc: BaseException) -> None:
            self._members_asked = False

        self.jobs.submit(self.service.members, on_done=answered, on_error=failed)

    def login(self, staff_id: int, pin: str, desk: int) -> None:
        if not staff_id:
            self.say(words.CHOOSE_NAME_FIRST, error=True)
            return
        self.run_job(self.service.login, staff_id, pin, desk, on_done=self._logged_in)

    def _logged_in(self, login: Any) -> None:
        s = self.state
        s.staff_id, s.staff_name, s.role, s.desk = (login.staff_id, login.name, login.role,
                                                    login.desk or 0)
        self.say(words.hello(login.name, s.desk))
        self.backup_note = ""
        self.run_job(self.service.backup_reminder, login.staff_id, on_done=self._on_backup_note)
        self._go("console")

    def _leave(self) -> None:
        """Nobody at this console any more (logged out or sent away)."""
        self.hide_undo()
        s = self.state
        s.staff_id, s.staff_name, s.role, s.desk = 0, "", "", 0

    def open_statistics(self) -> None:
        """The coordinator's figures; the core refuses anyone else too (kiosk/apps/console.py)."""
        if not self.is_coordinator:
            self.say(words.STATISTICS_COORDINATOR_ONLY, error=True)
            return
        self._go("statistics")

    def open_team(self) -> None:
        """The coordinator's team and checks; the core refuses anyone else too."""
        if not self.is_coordinator:
            self.say(words.TEAM_COORDINATOR_ONLY, error=True)
            return
        self._go("team")

    def back_to_queue(self) -> None:
        self._go("console" if self.state.staff_id else "login")

    def logout(self) -> None:
        if self.state.current:
            self.say(words.FINISH_VISIT_FIRST, error=True)
            return

        def out(_result: Any) -> None:
            self._leave()
            self.say("")
            self._go("login")

        self.run_job(self.service.logout, self.state.staff_id, self.state.desk, on_done=out)

    def _check_seat(self) -> None:
        """Each new board: is the member still active, still at her desk? The account may have
        been disabled (console or command line) or the desk taken by a colleague; the queue
        revision changed either way, so this runs within a poll of it."""
        staff_id, desk = self.state.staff_id, self.state.desk or None
        if not staff_id:
            return

        def checked(reason: str | None) -> None:
            if reason and self.state.staff_id == staff_id and (self.state.desk or None) == desk:
                self.sent_away(reason)

        self.jobs.submit(self.service.still_seated, staff_id, desk, on_done=checked,
                         on_error=lambda _exc: None)  # the next board asks again

    def sent_away(self, reason: str) -> None:
        """Logged out here, not by her: back to the login screen with the reason, in words.
        Nothing is written (the core has already freed what was hers)."""
        self._leave()
        self.state.current = {}
        self.backup_note = ""
        self.say(reason, error=True)
        self.load_members()  # a disabled member leaves the list of names
        self._go("login")

    # ------------------------------------------------------------ the live board

    def board_unreachable(self, exc: BaseException) -> None:
        # the details go to the log, the console says it in words, with since when
        log.warning("console: database unreachable: %s", str(exc).splitlines()[0][:300])
        if self._db_down_since is None:
            self._db_down_since = self.service.now()  # the bus's clock, not the PC's
        since = words.since(self._db_down_since)
        trouble = self.service.trouble(exc)
        if trouble.kind == FULL:
            problem = f"Base de données : {DISK_FULL} {since}."
        elif trouble.known:  # why, in French: « connexion refusée par le serveur… »
            problem = full_stop(f"{words.PROBLEM_WORDS['database']} {since} : {trouble.words}")
        else:
            problem = f"{words.PROBLEM_WORDS['database']} {since}."
        self.state.db_problem = problem
        self._render()

    def board_reachable(self) -> None:
        # the first poll that gets an answer clears the line, even when nothing changed
        # meanwhile (the board is fetched again only on a new revision)
        self._db_down_since = None
        if self.state.db_problem:
            self.state.db_problem = ""
            self._render()

    def _on_backup_note(self, note: str | None) -> None:
        self.backup_note = note or ""
        if self.board is not None:
            self.show_board(self.board)

    def check_catalogue(self) -> None:
        """A file edit changes no queue revision: the catalogue files are looked at on a clock
        of their own (the view's)."""
        self.jobs.submit(self.service.catalogue_problem, on_done=self._on_catalogue_problem)

    def _on_catalogue_problem(self, problem: str | None) -> None:
        if problem is None:
            self.view.refresh_catalogue()  # the finish form offers what the core accepts
        if (problem or "") != self.catalogue_note:
            self.catalogue_note = problem or ""
            if self.board is not None:
                self.show_board(self.board)

    def notes(self) -> tuple[str, ...]:
        """The console's own lines under the board's problems."""
        notes = []
        if self.backup_note and self.is_coordinator:
            notes.append(self.backup_note)
        if self.catalogue_note:
            notes.append(self.catalogue_note)
        if self.stale:
            notes.append(words.stale_note([p.id for p in self.stale[:STALE_SHOWN]],
                                          len(self.stale)))
        return tuple(notes)

    def show_board(self, board: StaffBoard) -> None:
        self._check_seat()
        self._db_down_since = None
        self.board = board
        s = self.state
        view = desk_view(board, self.view.catalogue, s.desk, s.selected, self.notes())
        s.db_problem = ""
        s.is_open, s.serving = view.is_open, view.serving
        s.stopover_text, s.counts_text = view.stopover_text, view.counts_text
        s.selected, s.queue_rows = view.selected, view.queue_rows
        s.desk_status, s.desks_text = view.desk_status, view.desks_text
        s.current, s.current_number = view.current, view.current_number
        s.current_state, s.current_text = view.current_state, view.current_text
        s.status_text = "\n".join(view.problems)
        self._render()

    # ------------------------------------------------------------ the queue

    def select(self, number: int) -> None:
        s = self.state
        s.selected = 0 if s.selected == number else number
        s.queue_rows = tuple({**row, "selected": row["number"] == s.selected}
                             for row in s.queue_rows)
        self._render()

    def _too_soon(self) -> bool:
        """The second tap of a double tap on "Appeler": the button under the finger has just
        become "Rappeler" (or is still "Appeler"); it must do nothing."""
        return self.state.calling or (self._called_at is not None
                                      and self.clock() - self._called_at < QUIET_AFTER_CALL)

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        self.state.calling = True
        self._called_at = self.clock()

        def called(call: TicketCalled) -> None:
            s = self.state
            s.calling = False
            self._called_at = self.clock()
            # show the visitor at my desk now, not at the next poll: the panel must not offer
            # "Appeler le suivant" again in between
            s.current = {"number": call.number, "state": "called",
                         "procedure_id": call.procedure_id}
            s.current_number = f"N° {call.number}"
            s.current_state = "called"
            s.current_text = visitor_text(self.view.catalogue, call.procedure_id, "called", 0,
                                          creole=False)  # the next poll says Kréyòl

        def not_called(_exc: BaseException) -> None:
            self.state.calling = False

        self.run_job(fn, *args, on_done=called, on_failed=not_called, done_message=words.called)

    def call_next(self) -> None:
        if self.state.current or self._too_soon():
            return
        self._call(self.service.call_next, self.state.desk, self.state.staff_id)

    def _take_selected(self) -> int:
        number, self.state.selected = self.state.selected, 0
        return number

    def call_selected(self) -> None:
        if self.state.selected and not self.state.current and not self._too_soon():
            number = self._take_selected()
            self._call(self.service.call_number, self.state.desk, number, self.state.staff_id)

    def cancel_selected(self) -> None:
        if self.state.selected:
            number = self._take_selected()
            self.run_job(self.service.cancel, number, self.state.staff_id,
                         on_done=lambda _r: self.offer_undo(words.cancelled(number),
                                                            self.service.undo_cancel, number))

    def absent_selected(self) -> None:
        if self.state.selected:
            self._absent(self._take_selected())

    def _absent(self, number: int) -> None:
        self.run_job(self.service.absent, number, self.state.staff_id,
                     on_done=lambda _r: self.offer_undo(words.marked_absent(number),
                                                        self.service.undo_absent, number))

    # ------------------------------------------------------------ undo of a one-tap slip

    def offer_undo(self, text: str, undo: Callable[..., Any], number: int) -> None:
        """"N° 12 marqué absent — Annuler" for `undo_seconds`: no dialog before the action,
        the fast path stays one tap, and a slip costs one more."""
        self._cancel_undo_timer()
        self._undo = (undo, number)
        self.state.undo_text = text
        self.say("")
        self._undo_timer = self.later.after(self.undo_seconds, self.hide_undo)

    def _cancel_undo_timer(self) -> None:
        if self._undo_timer is not None:
            self._undo_timer.cancel()
            self._undo_timer = None

    def hide_undo(self) -> None:
        self._cancel_undo_timer()
        self._undo = None
        self.state.undo_text = ""
        self._render()

    def undo_last(self) -> None:
        if self._undo is None:
            return
        undo, number = self._undo
        self.hide_undo()
        self.run_job(undo, number, self.state.staff_id,
                     done_message=lambda c: words.undone(number, c.state, c.desk))

    # ------------------------------------------------------------ the visitor at my desk

    def _current_action(self, fn: Callable[..., Any], done: Callable[[int], str],
                        *extra: Any) -> None:
        if not self.state.current or self._too_soon():
            return
        number = self.state.current["number"]
        self.run_job(fn, number, *extra, self.state.staff_id, done_message=done(number))

    def recall(self) -> None:
        self._current_action(self.service.recall, words.recalled)

    def start_visit(self) -> None:
        self._current_action(self.service.start, words.started)

    def put_back(self) -> None:
        self._current_action(self.service.put_back, words.put_back)

    def absent(self) -> None:
        if self.state.current and not self._too_soon():
            self._absent(self.state.current["number"])

    def transfer_desks(self) -> list[tuple[str, int]]:
        """Only desks where someone can receive the visitor now: open, staffed and free (the
        core refuses the others too: kiosk.core.services.transfer_ticket); none is said."""
        desks = [(f"Poste {d.id} – {d.staff_name}", d.id)
                 for d in (self.board.desks if self.board else ())
                 if d.id != self.state.desk and d.status == "open" and d.staff_name
                 and d.current is None]
        if not desks:
            self.say(words.NO_DESK_TO_TRANSFER, error=True)
        return desks

    def transfer(self, desk: int) -> None:
        # chosen in a list, not a tap on the call button's spot: no double-tap guard here
        if self.state.current:
            number = self.state.current["number"]
            self.run_job(self.service.transfer, number, desk, self.state.staff_id,
                         done_message=words.transferred(number, desk))

    def finish(self, demandes: list[Any], age_band: str | None, gender: str | None,
               residence: str | None = None) -> None:
        if not self.state.current:
            return
        number = self.state.current["number"]
        self.run_job(self.service.finish, number, demandes, age_band, gender,
                     self.state.staff_id, residence,
                     done_message=lambda f: words.finished(f.number, f.demandes))

    # ------------------------------------------------------------ tickets on a visitor's behalf

    def new_ticket(self, procedure_id: str, priority: bool) -> None:
        self.run_job(self.service.new_ticket, procedure_id, priority, on_done=self.view.ask_print,
                     done_message=words.ticket_created)

    def use_return_code(self, code: str, given: Callable[[], None],
                        refused: Callable[[str, int], None]) -> None:
        """The visitor is back with her "Prioritaire au prochain passage" slip: `given` closes
        the code's dialog, `refused` shows why there and for how many seconds the next try must
        wait (too many wrong codes in a row; 0: at once)."""

        def issued(ticket: TicketIssued) -> None:
            given()
            self.view.ask_print(ticket)

        self.run_job(self.service.use_return_pass, code, self.state.staff_id, on_done=issued,
                     on_failed=lambda exc: refused(getattr(exc, "message", None) or str(exc),
                                                   int(getattr(exc, "wait_seconds", 0) or 0)),
                     done_message=words.return_ticket)

    def print_slip(self, procedure_id: str, number: int) -> None:
        """The walk-in's slip, on the kiosk's printer (a failure also shows as a problem line)."""
        def printed(outcome: Any) -> None:
            if outcome.ok:
                self.say(words.slip_printed(number))
            else:
                self.say(words.slip_not_printed(number, outcome.message), error=True)

        self.say(words.printing_slip(number))
        self.run_job(self.service.print_slip, procedure_id, number, on_done=printed)

    def toggle_pause(self) -> None:
        status = "open" if self.state.desk_status == "paused" else "paused"
        self.run_job(self.service.set_desk, self.state.desk, status, self.state.staff_id,
                     done_message=words.DESK_PAUSED if status == "paused" else words.DESK_OPEN)

    # ------------------------------------------------------------ half-days

    def open_stopover(self, stop_id: str, half: str | None, reopen: bool = False) -> None:
        """Open the bus at a stop; a half-day closed already is reopened only once she has
        chosen it in a question of its own (the default "Ouvrir" reopened it without a word)."""

        def refused(exc: BaseException) -> None:
            if isinstance(exc, StopoverWasClosed):
                self.view.ask_reopen(exc.message,
                                     lambda: self.open_stopover(stop_id, half, reopen=True))

        self.run_job(self.service.open_stopover, stop_id, half, reopen, on_done=self._on_opened,
                     done_message=words.stopover_opened, on_failed=refused)

    def _on_opened(self, info: StopoverInfo) -> None:
        self._cancel_open_timer()
        self._opened = info.id
        self.state.open_undo_text = words.opened_bar(info)
        self._open_timer = self.later.after(self.undo_open_seconds, self.hide_open_undo)
        self._render()

    def _cancel_open_timer(self) -> None:
        if self._open_timer is not None:
            self._open_timer.cancel()
            self._open_timer = None

    def hide_open_undo(self) -> None:
        self._cancel_open_timer()
        self._opened = None
        self.state.open_undo_text = ""
        self._render()

    def undo_open_stopover(self) -> None:
        stopover_id = self._opened
        self.hide_open_undo()
        if stopover_id is None:
            return
        self.run_job(self.service.undo_open_stopover, stopover_id, self.state.staff_id or None,
                     done_message=words.opening_undone)

    def close_stopover(self) -> None:
        self.run_job(self.service.close_stopover, on_done=self._on_closed,
                     done_message=words.stopover_closed)

    def _on_closed(self, closed: StopoverClosed) -> None:
        self.hide_open_undo()
        self.show_summary(closed.stopover.id)

    def show_summary(self, stopover_id: int | None = None) -> None:
        """A half-day's summary (the last one closed without an id)."""

        def show(summary: StopoverSummary | None) -> None:
            if summary is None:
                self.say(words.NO_SUMMARY_YET)
            else:
                self.view.show_summary(summary)

        self.run_job(self.service.stopover_summary, stopover_id, on_done=show)


__all__ = ["ConsolePresenter", "ConsoleState", "View", "Jobs", "Later", "Timer"]
