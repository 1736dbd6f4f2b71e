"""What an animatrice's console shows of the board, in plain Python (no Kivy): the stopover line,
today's counts, the waiting list, her desk and its visitor, the colleagues' desks, the problems.
The console's presenter (presenter.py) copies the result into its state, the Kivy app onto its
properties; the tests read it without a window (tests/service/test_desk_view.py). Its sentences
are in console_words.py, with the console's other words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.apps import console_words as words
from kiosk.content.catalogue import Catalogue
from kiosk.core.views import StaffBoard


@dataclass(frozen=True)
class DeskView:
    is_open: bool
    stopover_text: str
    counts_text: str
    # one per waiting visitor, in call order: number, title, creole, pictogram (an operator's
    # pictogram name: the app turns it into its image), waited, priority, selected
    queue_rows: tuple[dict[str, Any], ...]
    selected: int  # 0 when the visitor selected is no longer waiting
    desk_status: str
    current: dict[str, Any]  # number, state, procedure_id of the visitor at her desk; {} if none
    current_number: str
    current_state: str
    current_text: str
    desks_text: str
    problems: tuple[str, ...]
    # open and within its day: tickets and calls possible (a stopover left open is open,
    # to be closed, but serves nobody: domain.left_open)
    serving: bool = False


def title(catalogue: Catalogue, procedure_id: str) -> str:
    procedure = catalogue.procedure(procedure_id)
    return procedure.title if procedure else procedure_id


def pictogram(catalogue: Catalogue, operator_id: str) -> str:
    operator = catalogue.operator(operator_id)
    return operator.pictogram if operator else "autre"


def visitor_text(catalogue: Catalogue, procedure_id: str, state: str, minutes: float,
                 creole: bool) -> str:
    """The panel of the visitor at her desk: "Aide au logement / appelé depuis 3 min"."""
    return words.at_desk(title(catalogue, procedure_id), state, minutes, creole)


def desk_view(board: StaffBoard, catalogue: Catalogue, desk: int, selected: int,
              notes: tuple[str, ...] = ()) -> DeskView:
    """The console of the animatrice at `desk`, with the waiting visitor `selected` (0: none);
    `notes`: the app's own lines under the problems (backup reminder, catalogue, stale entries)."""
    stopover = board.queue.stopover
    left_open = stopover is not None and stopover.left_open(board.now)
    if stopover is None:
        stopover_text = words.STOPOVER_CLOSED
    elif left_open:  # short in the header; the whole sentence with the problems
        stopover_text = words.left_open_header(stopover.day)
    else:
        stopover_text = words.stopover_header(stopover.commune_name, stopover.stop_name,
                                              stopover.half)
    counts_text = words.counts(len(board.queue.waiting), board.served, board.absent,
                               board.mean_wait_minutes)
    if not any(w.number == selected for w in board.queue.waiting):
        selected = 0
    rows = tuple(
        {"number": w.number, "title": title(catalogue, w.procedure_id),
         "creole": w.language == "gcf", "pictogram": pictogram(catalogue, w.operator_id),
         "waited": words.NOBODY if left_open else words.waited(w.waited_seconds // 60),
         "priority": w.priority,
         "selected": w.number == selected}
        for w in board.queue.waiting)
    mine = next((d for d in board.desks if d.id == desk), None)
    current = mine.current if mine else None
    if current is None:
        held: dict[str, Any] = {}
        number = state = text = ""
    else:
        since = ((board.now - current.called_at).total_seconds() // 60
                 if current.called_at else 0)
        held = {"number": current.number, "state": current.state,
                "procedure_id": current.procedure_id}
        number, state = f"N° {current.number}", current.state
        text = visitor_text(catalogue, current.procedure_id, current.state, since,
                            current.language == "gcf")
    desks_text = " · ".join(
        words.desk_line(d.name, d.staff_name, d.current.number if d.current else None,
                        d.status == "paused")
        for d in board.desks)
    problems = tuple(words.problem_line(p.device, p.at) for p in board.problems)
    if stopover is not None and left_open:
        problems = (words.left_open_problem(stopover.day, stopover.half),) + problems
    return DeskView(stopover is not None, stopover_text, counts_text, rows, selected,
                    mine.status if mine else "closed", held, number, state, text, desks_text,
                    problems + tuple(notes), serving=stopover is not None and not left_open)
