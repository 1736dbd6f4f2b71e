"""The animatrices' console on the second screen: log in with a PIN, choose a desk, see the queue
live, call with one tap, record each visit's demandes.

It talks to the core only through kiosk.console.StaffService, in a background worker, and
refreshes when the queue revision changes (polled every 0.5 s), so a ticket taken at the kiosk
appears here within a second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
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

from kiosk import i18n
from kiosk.errors import KioskError, NoTicketWaiting
from kiosk.staff import COORDINATOR
from screens import theme
from screens.base_app import BoardApp
from screens.worker import Worker

log = logging.getLogger("borne-plus")
HERE = Path(__file__).parent

STATE_WORDS = {"called": "appelé", "in_service": "en cours"}


class StaffApp(BoardApp):
    min_font = NumericProperty(20)

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

    def __init__(self, service: Any, **kwargs: Any) -> None:
        self.worker = Worker("console-db")
        super().__init__(service, self.worker, **kwargs)
        self.title = "Borne PLUS – console"
        self.board: Any = None
        self.manager: ScreenManager | None = None
        self.stale: tuple[Any, ...] = ()

    # ------------------------------------------------------------ building

    def build(self) -> ScreenManager:
        from screens.finish_form import FinishForm  # noqa: F401  (kv rules)
        from screens.staff_console import ConsoleScreen
        from screens.staff_login import LoginScreen
        from screens.statistics import StatisticsScreen
        from screens.team import TeamScreen

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
        self.manager.add_widget(StatisticsScreen(name="statistics"))
        self.manager.add_widget(TeamScreen(name="team"))
        self.start_polling()
        self.load_members()
        self.run_job(self.service.communes, on_done=lambda c: setattr(self, "communes", list(c)))
        self.run_job(self.service.stale_procedures, on_done=self._on_stale)
        return self.manager

    def on_stop(self) -> None:
        Window.unbind(size=self._rescale)
        self.worker.stop()
        if self.manager is not None:
            self.manager.get_screen("statistics").stop()

    # ------------------------------------------------------------ jobs

    def run_job(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
                done_message: str | Callable[[Any], str] | None = None) -> None:
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
            if isinstance(exc, NoTicketWaiting):
                self.say("Personne n'attend.")
            elif isinstance(exc, KioskError):
                self.say(exc.message, error=True)
            else:
                log.exception("console: %r", exc)
                self.say(f"Problème de base de données : {exc}", error=True)

        self.busy = True
        self.worker.submit(fn, *args, on_done=done, on_error=failed)

    def say(self, text: str, error: bool = False) -> None:
        self.message = text
        self.message_is_error = error

    # ------------------------------------------------------------ login

    def load_members(self) -> None:
        self.run_job(self.service.members, on_done=self._on_members)

    def _on_members(self, members: Any) -> None:
        self.members = [{"id": m.id, "name": m.name, "role": m.role} for m in members]

    def login(self, staff_id: int, pin: str, desk: int) -> None:
        self.run_job(self.service.login, staff_id, pin, desk, on_done=self._logged_in)

    def _logged_in(self, login: Any) -> None:
        self.staff_id = login.staff_id
        self.staff_name = login.name
        self.role = login.role
        self.desk = login.desk or 0
        self.say(f"Bonjour {login.name} : vous êtes au poste {self.desk}.")
        if self.manager is not None:
            self.manager.current = "console"

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    def open_statistics(self) -> None:
        """The coordinator's figures; the core refuses anyone else too (kiosk/console.py)."""
        if not self.is_coordinator:
            self.say("Les statistiques sont réservées à la coordination.", error=True)
            return
        if self.manager is not None:
            self.manager.current = "statistics"

    def open_team(self) -> None:
        """The coordinator's team and checks; the core refuses anyone else too."""
        if not self.is_coordinator:
            self.say("L'équipe et les vérifications sont réservées à la coordination.", error=True)
            return
        if self.manager is not None:
            self.manager.current = "team"

    def back_to_queue(self) -> None:
        if self.manager is not None:
            self.manager.current = "console" if self.staff_id else "login"

    def logout(self) -> None:
        if self.current:
            self.say("Terminez ou remettez d'abord la visite en cours.", error=True)
            return

        def out(_result: Any) -> None:
            self.staff_id = 0
            self.staff_name = ""
            self.role = ""
            self.desk = 0
            self.say("")
            if self.manager is not None:
                self.manager.current = "login"

        self.run_job(self.service.logout, self.staff_id, self.desk, on_done=out)

    # ------------------------------------------------------------ live board

    def board_unreachable(self, exc: BaseException) -> None:
        self.db_problem = f"Base de données injoignable : {str(exc).splitlines()[0][:120]}"

    def _on_stale(self, stale: Any) -> None:
        self.stale = stale

    def show_board(self, board: Any) -> None:
        self.db_problem = ""
        self.board = board
        self._revision = board.queue.revision
        stopover = board.queue.stopover
        self.is_open = stopover is not None
        if stopover is None:
            self.stopover_text = "Escale fermée"
        else:
            self.stopover_text = (f"{stopover.commune_name} – {stopover.stop_name}, "
                                  f"{i18n.half_label(stopover.half)}")
        waiting = len(board.queue.waiting)
        mean = (f"{board.mean_wait_minutes:.0f} min" if board.mean_wait_minutes is not None
                else "–")
        self.counts_text = (f"En attente : {waiting} · Reçus : {board.served} · "
                            f"Absents : {board.absent} · Attente moyenne : {mean}")
        now = board.now
        self.queue_rows = [
            {
                "number": w.number,
                "title": self._title(w.procedure_id),
                "icon": self.pictogram(self._pictogram(w.operator_id)),
                "waited": f"{w.waited_seconds // 60} min",
                "priority": w.priority,
                "selected": w.number == self.selected,
            }
            for w in board.queue.waiting
        ]
        if self.selected and not any(w.number == self.selected for w in board.queue.waiting):
            self.selected = 0
        mine = next((d for d in board.desks if d.id == self.desk), None)
        self.desk_status = mine.status if mine else "closed"
        current = mine.current if mine else None
        if current is None:
            self.current = {}
            self.current_number = ""
            self.current_state = ""
            self.current_text = ""
        else:
            since = (now - current.called_at).total_seconds() // 60 if current.called_at else 0
            self.current = {"number": current.number, "state": current.state,
                            "procedure_id": current.procedure_id}
            self.current_number = f"N° {current.number}"
            self.current_state = current.state
            self.current_text = (f"{self._title(current.procedure_id)}\n"
                                 f"{STATE_WORDS.get(current.state, current.state)} depuis "
                                 f"{since:.0f} min")
        self.desks_text = " · ".join(
            f"{d.name} : {d.staff_name or '–'}"
            + (f" (n° {d.current.number})" if d.current else "")
            + (" – pause" if d.status == "paused" else "")
            for d in board.desks
        )
        problems = [f"{self._device_word(p.device)} : {p.message}" for p in board.problems]
        if self.stale:
            problems.append(f"{len(self.stale)} fiche(s) de démarche à revérifier "
                            f"(plus de 12 mois) : {', '.join(p.id for p in self.stale[:3])}")
        self.status_text = " · ".join(problems)

    def _title(self, procedure_id: str) -> str:
        procedure = self.catalogue.procedure(procedure_id)
        return procedure.title if procedure else procedure_id

    def _pictogram(self, operator_id: str) -> str:
        operator = self.catalogue.operator(operator_id)
        return operator.pictogram if operator else "autre"

    @staticmethod
    def _device_word(device: str) -> str:
        return {"printer": "Imprimante", "speech": "Voix", "audio": "Son"}.get(device, device)

    # ------------------------------------------------------------ actions

    def select(self, number: int) -> None:
        self.selected = 0 if self.selected == number else number
        self.queue_rows = [{**row, "selected": row["number"] == self.selected}
                           for row in self.queue_rows]

    def call_next(self) -> None:
        self.run_job(self.service.call_next, self.desk, self.staff_id,
                     done_message=lambda c: f"N° {c.number} appelé au poste {c.desk}.")

    def call_selected(self) -> None:
        if self.selected:
            number = self.selected
            self.selected = 0
            self.run_job(self.service.call_number, self.desk, number, self.staff_id,
                         done_message=lambda c: f"N° {c.number} appelé au poste {c.desk}.")

    def cancel_selected(self) -> None:
        if self.selected:
            number = self.selected
            self.selected = 0
            self.run_job(self.service.cancel, number, self.staff_id,
                         done_message=f"N° {number} annulé.")

    def absent_selected(self) -> None:
        if self.selected:
            number = self.selected
            self.selected = 0
            self.run_job(self.service.absent, number, self.staff_id,
                         done_message=f"N° {number} marqué absent.")

    def _current_action(self, fn: Callable[..., Any], done: str, *extra: Any) -> None:
        if not self.current:
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
        self._current_action(self.service.absent, "N° {n} marqué absent.")

    def transfer(self, desk: int) -> None:
        self._current_action(self.service.transfer, f"N° {{n}} envoyé au poste {desk}.", desk)

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
        self.run_job(self.service.new_ticket, procedure_id, priority,
                     done_message=lambda t: f"Ticket n° {t.number} créé "
                                            f"({t.people_ahead} personne(s) avant).")

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


def run(service: Any) -> None:
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
