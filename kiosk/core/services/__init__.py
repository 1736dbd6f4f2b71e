"""The verbs of the queue, split by what they serve: stopovers (set-up, open, close), tickets (the
queue: take, call, serve, undo), visits (demandes, profile, the visitors' opinion), devices (the
printer, sound and desks on record; a print and its outcome), and record (what they share:
results, the event log, lookups). Each verb is one transaction that appends to the event log and
bumps the queue revision; each returns a frozen dataclass; each refusal is a named exception
(kiosk.errors). Callers use `services.<verb>`: the names below are the package's whole surface.
"""

from __future__ import annotations

from kiosk.core.services.devices import (
    DEVICES,
    print_made,
    record_device_ok,
    record_device_problem,
    set_desk_status,
)
from kiosk.core.services.record import (
    DemandeInput,
    InitReport,
    StopoverClosed,
    StopoverInfo,
    TicketCalled,
    TicketChanged,
    TicketIssued,
    VisitFinished,
    closing_moment,
    half_of,
    log_event,
    serving_stopover,
    stopover_info,
)
from kiosk.core.services.stopovers import (
    close_stopover,
    init_database,
    open_stopover,
    undo_open_stopover,
)
from kiosk.core.services.tickets import (
    RECENT_SERVICES,
    UNDO_SECONDS,
    call_next,
    call_number,
    cancel_ticket,
    mark_absent,
    put_back,
    recall,
    start_service,
    take_in,
    take_ticket,
    transfer_ticket,
    undo_absent,
    undo_cancel,
    withdraw_ticket,
)
from kiosk.core.services.visits import (
    FEEDBACK_REPEAT_SECONDS,
    finish_visit,
    record_feedback,
    valid_residences,
)

__all__ = [
    "DEVICES",
    "DemandeInput",
    "FEEDBACK_REPEAT_SECONDS",
    "InitReport",
    "RECENT_SERVICES",
    "StopoverClosed",
    "StopoverInfo",
    "TicketCalled",
    "TicketChanged",
    "TicketIssued",
    "UNDO_SECONDS",
    "VisitFinished",
    "call_next",
    "call_number",
    "cancel_ticket",
    "close_stopover",
    "finish_visit",
    "closing_moment",
    "half_of",
    "init_database",
    "log_event",
    "mark_absent",
    "open_stopover",
    "print_made",
    "put_back",
    "recall",
    "record_device_ok",
    "record_device_problem",
    "record_feedback",
    "serving_stopover",
    "set_desk_status",
    "start_service",
    "stopover_info",
    "take_in",
    "take_ticket",
    "transfer_ticket",
    "undo_absent",
    "undo_cancel",
    "undo_open_stopover",
    "valid_residences",
    "withdraw_ticket",
]
