"""The animatrices' console on the second screen: log in with a PIN, choose a desk, see the queue
live, call with one tap, record each visit's demandes.

It talks to the core only through kiosk.apps.console.StaffService, in a background worker, and
refreshes when the queue revision changes (polled every 0.5 s), so a ticket taken at the kiosk
appears here within a second.

Its size: still too big (issue 17): the desk view and the ports are out; the actions (call, undo,
transfer) are next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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

from kiosk import french
from kiosk.apps.desk_view import PROBLEM_WORDS, desk_view, visitor_text
from kiosk.apps.ports import ConsolePort
from kiosk.core.staff import COORDINATOR
from kiosk.errors import DeskNotYours, KioskError, NoTicketWaiting, StaffDisabled
from kiosk.system.dbtrouble import DISK_FULL, FULL, full_stop
from screens import theme
from screens.base_app import BoardApp
from screens.worker import Worker

log = logging.getLogger("borne-plus")
HERE = Path(__file__).parent

QUIET_AFTER_CALL = 0.5  # seconds: a second tap of a double tap on "Appeler" must do nothing
# a file edit changes no queue revision: the catalogue files are looked at on their own clock
CATALOGUE_CHECK_SECONDS = 2.0
# nor does a new account: the login screen's names are asked again this often while it shows
# (an account made from the command line or another console appears without a restart)
MEMBERS_CHECK_SECONDS = 5.0


class StaffApp(BoardApp):
    min_font = NumericProperty(20)
    smallest_text = 20  # the console is read from the desk's chair, not at arm's length

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
    undo_seconds = NumericProperty(8.0)

    service: ConsolePort  # the base's property, typed: mypy checks each call to the core

    def __init__(self, service: ConsolePort, **kwargs: Any) -> None:
        self.worker = Worker("console-db")
        super().__init__(service, self.worker, **kwargs)
        self.title = "Borne PLUS – console"
        self.board: Any = None
        self.manager: ScreenManager | None = None
        self.stale: tuple[Any, ...] = ()
        self.backup_note = ""  # the coordinator's reminder of a copy on a USB key
        self.catalogue_note = ""  # a catalogue file on disk that cannot be read
        self._undo: tuple[Callable[..., Any], int] | None = None
        self._called_at = 0.0  # time.monotonic() of the latest tap on a call button
        self._db_down_since: Any = None
        self._members_asked = False  # the login screen's check of the names is on its way

    # ------------------------------------------------------------ building

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
        Clock.schedule_interval(self._check_catalogue, CATALOGUE_CHECK_SECONDS)
        Clock.schedule_interval(self._check_members, MEMBERS_CHECK_SECONDS)
        self.load_members()
        self.run_job(self.service.communes, on_done=lambda c: setattr(self, "communes", list(c)))
        self.run_job(self.service.stale_procedures, on_done=self._on_stale)
        return self.manager

    def on_stop(self) -> None:
        self.stop_polling()
        Clock.unschedule(self._check_catalogue)
        Clock.unschedule(self._check_members)
        Window.unbind(size=self._rescale)
        self.worker.stop()
        if self.manager is not None and self.manager.has_screen("statistics"):
            self.manager.get_screen("statistics").stop()

    def _coordinator_screen(self, name: str) -> None:
        """The coordinator's screens are built the first time she opens one: an animatrice's
        console starts without them (their widgets took 0.4 s of every start)."""
        assert self.manager is not None
        if not self.manager.has_screen(name):
            from screens.statistics import StatisticsScreen
            from screens.team import TeamScreen

            screen = {"statistics": StatisticsScreen, "team": TeamScreen}[name]
            self.manager.add_widget(screen(name=name))
        self.manager.current = name

    # ------------------------------------------------------------ jobs

    def run_job(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
                done_message: str | Callable[[Any], str] | None = None,
                on_failed: Callable[[BaseException], None] | None = None) -> None:
        """Run one core call in the worker; a refusal becomes a message, never a crash."""

        def done(result: Any) -> None:
            self.busy = False
            if done_message is not None:
                text = done_message(result) if callable(done_message) else done_message
                self.say(text)
            if on_done is not None:
                on_done(result)
            self.refresh_now()

        def failed(exc: BaseException) -> None:
            self.busy = False
            if on_failed is not None:
                on_failed(exc)
            if isinstance(exc, (StaffDisabled, DeskNotYours)) and self.staff_id:
                # refused by the core before the board said so: leave at once, with the reason
                self.sent_away(exc.message)
            elif isinstance(exc, NoTicketWaiting):
                self.say("Personne n'attend.")
            elif isinstance(exc, KioskError):
                self.say(exc.message, error=True)
            else:
                log.error("console: %s failed", getattr(fn, "__name__", fn), exc_info=exc)
                self.say(self.trouble_line(exc), error=True)

        self.busy = True
        self.worker.submit(fn, *args, on_done=done, on_error=failed)

    def say(self, text: str, error: bool = False) -> None:
        self.message = text
        self.message_is_error = error

    def trouble_line(self, exc: BaseException) -> str:
        """A failure of the database (or of anything the core did not refuse by name) in one
        French sentence: « La base de données a refusé l'écriture (…) » for a write refused,
        « Base de données inaccessible : connexion refusée… », never the driver's English,
        which stays in the log."""
        trouble = self.service.trouble(exc)
        if not trouble.known:
            return "Problème de base de données : l'action n'est pas enregistrée (détails dans " \
                   "le journal)."
        return trouble.line()

    # ------------------------------------------------------------ login

    def load_members(self) -> None:
        self.run_job(self.service.members, on_done=self._on_members)

    def _on_members(self, members: Any) -> None:
        listed = [{"id": m.id, "name": m.name, "role": m.role} for m in members]
        if listed != list(self.members):  # the same names: the buttons stay as they are
            self.members = listed

    def _check_members(self, _dt: float) -> None:
        """While the login screen shows, the names again (quietly: no busy state, no message;
        a database out of reach is said by the board's poll)."""
        if (self.staff_id or self.manager is None or self.manager.current != "login"
                or self._members_asked):
            return
        self._members_asked = True

        def answered(members: Any) -> None:
            self._members_asked = False
            self._on_members(members)

        def failed(_exc: BaseException) -> None:
            self._members_asked = False

        self.poll_worker.submit(self.service.members, on_done=answered, on_error=failed)

    def login(self, staff_id: int, pin: str, desk: int) -> None:
        self.run_job(self.service.login, staff_id, pin, desk, on_done=self._logged_in)

    def _logged_in(self, login: Any) -> None:
        self.staff_id = login.staff_id
        self.staff_name = login.name
        self.role = login.role
        self.desk = login.desk or 0
        self.say(f"Bonjour {login.name} : vous êtes au poste {self.desk}.")
        self.backup_note = ""
        self.run_job(self.service.backup_reminder, login.staff_id,
                     on_done=self._on_backup_note)
        if self.manager is not None:
            self.manager.current = "console"

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    def open_statistics(self) -> None:
        """The coordinator's figures; the core refuses anyone else too (kiosk/apps/console.py)."""
        if not self.is_coordinator:
            self.say("Les statistiques sont réservées à la coordination.", error=True)
            return
        if self.manager is not None:
            self._coordinator_screen("statistics")

    def open_team(self) -> None:
        """The coordinator's team and checks; the core refuses anyone else too."""
        if not self.is_coordinator:
            self.say("L'équipe et les vérifications sont réservées à la coordination.", error=True)
            return
        if self.manager is not None:
            self._coordinator_screen("team")

    def back_to_queue(self) -> None:
        if self.manager is not None:
            self.manager.current = "console" if self.staff_id else "login"

    def logout(self) -> None:
        if self.current:
            self.say("Terminez ou remettez d'abord la visite en cours.", error=True)
            return

        def out(_result: Any) -> None:
            self.hide_undo()
            self.staff_id = 0
            self.staff_name = ""
            self.role = ""
            self.desk = 0
            self.say("")
            if self.manager is not None:
                self.manager.current = "login"

        self.run_job(self.service.logout, self.staff_id, self.desk, on_done=out)

    def _check_seat(self) -> None:
        """Each new board: is the member still active, still at her desk? The account may have
        been disabled (console or command line) or the desk taken by a colleague; the queue
        revision changed either way, so this runs within a poll of it."""
        staff_id, desk = self.staff_id, self.desk or None
        if not staff_id:
            return

        def checked(reason: str | None) -> None:
            if reason and self.staff_id == staff_id and (self.desk or None) == desk:
                self.sent_away(reason)

        self.poll_worker.submit(self.service.still_seated, staff_id, desk, on_done=checked,
                                on_error=lambda _exc: None)  # the next board asks again

    def sent_away(self, reason: str) -> None:
        """Logged out here, not by her: back to the login screen with the reason, in words.
        Nothing is written (the core has already freed what was hers)."""
        self.hide_undo()
        self.staff_id = 0
        self.staff_name = ""
        self.role = ""
        self.desk = 0
        self.current = {}
        self.backup_note = ""
        self.say(reason, error=True)
        self.load_members()  # a disabled member leaves the list of names
        if self.manager is not None:
            self.manager.current = "login"

    # ------------------------------------------------------------ live board

    def board_unreachable(self, exc: BaseException) -> None:
        # the details go to the log, the console says it in words, with since when
        log.warning("console: database unreachable: %s", str(exc).splitlines()[0][:300])
        if self._db_down_since is None:
            self._db_down_since = self.service.now()  # the bus's clock, not the PC's
        since = f"(depuis {french.time_of_day(self._db_down_since)})"
        trouble = self.service.trouble(exc)
        if trouble.kind == FULL:
            self.db_problem = f"Base de données : {DISK_FULL} {since}."
        elif trouble.known:  # why, in French: « connexion refusée par le serveur… »
            self.db_problem = full_stop(f"{PROBLEM_WORDS['database']} {since} : {trouble.words}")
        else:
            self.db_problem = f"{PROBLEM_WORDS['database']} {since}."

    def board_reachable(self) -> None:
        # the first poll that gets an answer clears the line, even when nothing changed
        # meanwhile (the board is fetched again only on a new revision)
        self.db_problem = ""
        self._db_down_since = None

    def _on_backup_note(self, note: str | None) -> None:
        self.backup_note = note or ""
        if self.board is not None:
            self.show_board(self.board)

    def _check_catalogue(self, _dt: float) -> None:
        self.worker.submit(self.service.catalogue_problem, on_done=self._on_catalogue_problem)

    def _on_catalogue_problem(self, problem: str | None) -> None:
        if problem is None:
            self.refresh_catalogue()  # the finish form offers what the core accepts
        if (problem or "") != self.catalogue_note:
            self.catalogue_note = problem or ""
            if self.board is not None:
                self.show_board(self.board)

    def _on_stale(self, stale: Any) -> None:
        self.stale = stale

    def show_board(self, board: Any) -> None:
        self._check_seat()
        self.db_problem = ""
        self._db_down_since = None
        self.board = board
        self._revision = board.queue.revision
        notes = []
        if self.backup_note and self.is_coordinator:
            notes.append(self.backup_note)
        if self.catalogue_note:
            notes.append(self.catalogue_note)
        if self.stale:
            notes.append(f"{len(self.stale)} fiche(s) de démarche à revérifier "
                         f"(plus de 12 mois) : {', '.join(p.id for p in self.stale[:3])}")
        view = desk_view(board, self.catalogue, self.desk, self.selected, tuple(notes))
        self.is_open = view.is_open
        self.serving = view.serving
        self.stopover_text = view.stopover_text
        self.counts_text = view.counts_text
        self.selected = view.selected
        self.queue_rows = [{**row, "icon": self.pictogram(row["pictogram"])}
                           for row in view.queue_rows]
        self.desk_status = view.desk_status
        self.current = view.current
        self.current_number = view.current_number
        self.current_state = view.current_state
        self.current_text = view.current_text
        self.desks_text = view.desks_text
        self.status_text = "\n".join(view.problems)

    def text_width(self, text: str, font_px: float, *_bind: Any) -> float:
        """The width of a button's bold text at the console's scale, so that a button can be
        made wide enough never to cut a word ("Reprendr/e"); extra arguments re-evaluate kv."""
        from kivy.core.text import Label as CoreLabel

        label = CoreLabel(text=text, font_name=self.font_bold,
                          font_size=max(self.min_font, font_px * self.k))
        return float(label.get_extents(text)[0])

    # ------------------------------------------------------------ actions

    def select(self, number: int) -> None:
        self.selected = 0 if self.selected == number else number
        self.queue_rows = [{**row, "selected": row["number"] == self.selected}
                           for row in self.queue_rows]

    def _too_soon(self) -> bool:
        """The second tap of a double tap on "Appeler": the button under the finger has just
        become "Rappeler" (or is still "Appeler"); it must do nothing."""
        return self.calling or time.monotonic() - self._called_at < QUIET_AFTER_CALL

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        self.calling = True
        self._called_at = time.monotonic()

        def called(call: Any) -> None:
            self.calling = False
            self._called_at = time.monotonic()
            # show the visitor at my desk now, not at the next poll: the panel must not offer
            # "Appeler le suivant" again in between
            self.current = {"number": call.number, "state": "called",
                            "procedure_id": call.procedure_id}
            self.current_number = f"N° {call.number}"
            self.current_state = "called"
            self.current_text = visitor_text(self.catalogue, call.procedure_id, "called", 0,
                                             creole=False)  # the next poll says Kréyòl

        def not_called(_exc: BaseException) -> None:
            self.calling = False

        self.run_job(fn, *args, on_done=called, on_failed=not_called,
                     done_message=lambda c: f"N° {c.number} appelé au poste {c.desk}.")

    def call_next(self) -> None:
        if self.current or self._too_soon():
            return
        self._call(self.service.call_next, self.desk, self.staff_id)

    def call_selected(self) -> None:
        if self.selected and not self.current and not self._too_soon():
            number = self.selected
            self.selected = 0
            self._call(self.service.call_number, self.desk, number, self.staff_id)

    def cancel_selected(self) -> None:
        if self.selected:
            number = self.selected
            self.selected = 0
            self.run_job(self.service.cancel, number, self.staff_id,
                         on_done=lambda _r: self.offer_undo(f"Ticket n° {number} annulé",
                                                            self.service.undo_cancel, number))

    def absent_selected(self) -> None:
        if self.selected:
            number = self.selected
            self.selected = 0
            self._absent(number)

    def _absent(self, number: int) -> None:
        self.run_job(self.service.absent, number, self.staff_id,
                     on_done=lambda _r: self.offer_undo(f"N° {number} marqué absent",
                                                        self.service.undo_absent, number))

    # ------------------------------------------------------------ undo of a one-tap slip

    def offer_undo(self, text: str, undo: Callable[..., Any], number: int) -> None:
        """"N° 12 marqué absent — Annuler" for `undo_seconds`: no dialog before the action,
        the fast path stays one tap, and a slip costs one more."""
        self._undo = (undo, number)
        self.undo_text = text
        self.say("")
        Clock.unschedule(self._undo_expired)
        Clock.schedule_once(self._undo_expired, self.undo_seconds)

    def _undo_expired(self, _dt: float) -> None:
        self.hide_undo()

    def hide_undo(self) -> None:
        Clock.unschedule(self._undo_expired)
        self._undo = None
        self.undo_text = ""

    def undo_last(self) -> None:
        if self._undo is None:
            return
        undo, number = self._undo
        self.hide_undo()

        def said(changed: Any) -> str:
            if changed.state == "called":
                return f"N° {number} de nouveau appelé au poste {changed.desk}."
            return f"N° {number} remis à sa place dans la file."

        self.run_job(undo, number, self.staff_id, done_message=said)

    def _current_action(self, fn: Callable[..., Any], done: str, *extra: Any) -> None:
        if not self.current or self._too_soon():
            return
        number = self.current["number"]
        self.run_job(fn, number, *extra, self.staff_id, done_message=done.format(n=number))

    def recall(self) -> None:
        self._current_action(self.service.recall, "N° {n} rappelé.")

    def start(self) -> None:
        self._current_action(self.service.start, "Visite du n° {n} commencée.")

    def put_back(self) -> None:
        self._current_action(self.service.put_back, "N° {n} remis dans la file.")

    def absent(self) -> None:
        if self.current and not self._too_soon():
            self._absent(self.current["number"])

    def transfer(self, desk: int) -> None:
        # chosen in a list, not a tap on the call button's spot: no double-tap guard here
        if self.current:
            number = self.current["number"]
            self.run_job(self.service.transfer, number, desk, self.staff_id,
                         done_message=f"N° {number} envoyé au poste {desk}.")

    def finish(self, demandes: list[Any], age_band: str | None, gender: str | None,
               residence: str | None = None) -> None:
        if not self.current:
            return
        number = self.current["number"]
        self.run_job(self.service.finish, number, demandes, age_band, gender, self.staff_id,
                     residence,
                     done_message=lambda f: f"Visite n° {f.number} enregistrée "
                                            f"({f.demandes} demande(s)).")

    def new_ticket(self, procedure_id: str, priority: bool) -> None:
        def offer_slip(ticket: Any) -> None:
            if self.manager is not None:
                self.manager.get_screen("console").ask_print(ticket)

        self.run_job(self.service.new_ticket, procedure_id, priority, on_done=offer_slip,
                     done_message=lambda t: f"Ticket n° {t.number} créé "
                                            f"({t.people_ahead} personne(s) avant).")

    def ask_return_code(self) -> None:
        """"Code retour": the visitor is back with her "Prioritaire au prochain passage" slip."""
        from screens.halfday import ReturnCodeDialog

        if getattr(self, "return_code_dialog", None) is None:
            self.return_code_dialog = ReturnCodeDialog()
        self.return_code_dialog.prepare().open(animation=False)

    def use_return_code(self, code: str, dialog: Any) -> None:
        def given(ticket: Any) -> None:
            dialog.dismiss(animation=False)
            if self.manager is not None:
                self.manager.get_screen("console").ask_print(ticket)

        def refused(exc: BaseException) -> None:
            dialog.error = getattr(exc, "message", None) or str(exc)

        self.run_job(self.service.use_return_pass, code, self.staff_id, on_done=given,
                     on_failed=refused,
                     done_message=lambda t: f"Ticket prioritaire n° {t.number} : la personne "
                                            "revient avec son code, elle passe en premier.")

    def print_slip(self, procedure_id: str, number: int) -> None:
        """The walk-in's slip, on the kiosk's printer (a failure also shows as a problem line)."""
        def printed(outcome: Any) -> None:
            if outcome.ok:
                self.say(f"Ticket n° {number} imprimé : donnez-le à la personne.")
            else:
                self.say(f"Le ticket n° {number} n'a pas pu être imprimé : {outcome.message}",
                         error=True)

        self.say(f"Impression du ticket n° {number}…")
        self.run_job(self.service.print_slip, procedure_id, number, on_done=printed)

    def toggle_pause(self) -> None:
        status = "open" if self.desk_status == "paused" else "paused"
        self.run_job(self.service.set_desk, self.desk, status, self.staff_id,
                     done_message="Poste en pause." if status == "paused" else "Poste ouvert.")

    # ------------------------------------------------------------ half-days (screens/halfday.py)

    undo_open_seconds = NumericProperty(10.0)  # how long "Annuler" stays after an opening

    def open_stopover(self, stop_id: str, half: str | None) -> None:
        self.run_job(self.service.open_stopover, stop_id, half, on_done=self._opened,
                     done_message=lambda s: f"Escale ouverte : {s.commune_name}, {s.stop_name}.")

    def _opened(self, info: Any) -> None:
        from screens.halfday import UndoBar

        if getattr(self, "undo_bar", None) is None:
            self.undo_bar = UndoBar()
        self.undo_bar.show(info, self.undo_open_seconds)

    def undo_open_stopover(self, stopover_id: int) -> None:
        self.run_job(self.service.undo_open_stopover, stopover_id, self.staff_id or None,
                     done_message=lambda s: f"Ouverture annulée : l'escale {s.commune_name} – "
                                            f"{s.stop_name} n'est pas ouverte.")

    def close_stopover(self) -> None:
        self.run_job(self.service.close_stopover, on_done=self._closed,
                     done_message=lambda c: f"Escale fermée : {c.served} reçu(s), "
                                            f"{c.unserved} non reçu(s).")

    def _closed(self, closed: Any) -> None:
        if getattr(self, "undo_bar", None) is not None:
            self.undo_bar.hide()
        self.show_summary(closed.stopover.id)

    def show_summary(self, stopover_id: int | None = None) -> None:
        """A half-day's summary (the last one closed without an id)."""
        from screens.halfday import SummaryView

        def show(summary: Any) -> None:
            if summary is None:
                self.say("Aucune demi-journée fermée pour le moment.")
                return
            if getattr(self, "summary_view", None) is None:
                self.summary_view = SummaryView()
            self.summary_view.show(summary).open(animation=False)

        self.run_job(self.service.stopover_summary, stopover_id, on_done=show)


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
            app.say(f"Erreur inattendue : {inst}", error=True)
        return ExceptionManager.PASS
