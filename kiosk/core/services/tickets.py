"""The queue: a ticket taken, called, recalled, transferred, served, put back, marked absent,
cancelled or withdrawn, and the undo of the last two; the wait estimate."""

from __future__ import annotations

import json

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import (
    Desk,
    Event,
    Stopover,
    Ticket,
)
from kiosk import domain
from kiosk.content.catalogue import Procedure
from kiosk.core.context import Context
from kiosk.core.services.record import (
    TicketCalled,
    TicketChanged,
    TicketIssued,
    _acting,
    _check,
    _current_of_desk,
    _desk,
    _open_stopover,
    _procedure,
    _seconds,
    _ticket,
    left_open_error,
    log_event,
)
from kiosk.domain import State
from kiosk.errors import (
    DeskBusy,
    DeskNotReady,
    DeskPaused,
    InvalidTransition,
    KioskError,
    NoOpenStopover,
    NothingToUndo,
    NoTicketWaiting,
    UndoTooLate,
)
from kiosk.vocabulary import (
    CHANNELS,
)

RECENT_SERVICES = 20


def _typical_minutes_by_procedure(session: Session, ctx: Context,
                                  procedure_ids: set[str]) -> dict[str, float]:
    """Median of the 20 latest services of each procedure; the catalogue's estimate while fewer
    than domain.MIN_SERVICES of them are finished (a few quick visits are no median).
    One query per procedure, each an index range scan (ix_tickets_recent_service) read from
    the newest end: it costs the same with a week or with ten years of history."""
    result = {}
    for procedure_id in sorted(procedure_ids):
        durations = session.scalars(
            select(Ticket.service_seconds)
            .where(Ticket.procedure_id == procedure_id, Ticket.state == State.DONE,
                   Ticket.ended_at.is_not(None))
            .order_by(Ticket.ended_at.desc()).limit(RECENT_SERVICES)
        ).all()
        procedure = ctx.catalogue.procedure(procedure_id)
        fallback = procedure.typical_minutes if procedure else 20
        result[procedure_id] = domain.typical_minutes(
            [float(d) for d in durations if d is not None], fallback)
    return result


def _open_desks(session: Session) -> int:
    """The desks sharing the queue: open ones where an animatrice is logged in. A desk opened by
    a bare `kiosk call` (no staff, command line, demo) counts only when no desk is staffed; a
    paused or closed desk never counts. 0 when none is open: the estimate then says so."""
    staffed, bare = session.execute(
        select(func.count(Desk.staff_id), func.count())
        .select_from(Desk).where(Desk.status == "open")
    ).one()
    return int(staffed or bare or 0)


def take_ticket(ctx: Context, procedure_id: str, priority: bool = False,
                language: str = "fr", channel: str = "kiosk") -> TicketIssued:
    """Give the next number of the open stopover. The number comes from an atomic increment of
    the stopover's counter, so it is unique and never reused, even after a crash. `channel`
    says who took it (vocabulary.CHANNELS): the kiosk, the console or the command line."""
    procedure = _procedure(ctx, procedure_id)
    if channel not in CHANNELS:
        raise KioskError(f"Canal « {channel} » invalide ({', '.join(CHANNELS)}).")
    with ctx.write() as session:
        issued, _ticket_id = take_in(session, ctx, procedure, priority, language, channel)
        return issued


def take_in(session: Session, ctx: Context, procedure: Procedure, priority: bool, language: str,
            channel: str) -> tuple[TicketIssued, int]:
    """take_ticket inside the caller's transaction (a return pass marks itself used in the same
    one): the ticket issued and its row id."""
    now = ctx.now()
    row = session.execute(
        update(Stopover).where(Stopover.closed_at.is_(None))
        .values(last_number=Stopover.last_number + 1)
        .returning(Stopover.id, Stopover.last_number, Stopover.day, Stopover.half)
    ).first()
    if row is None:
        raise NoOpenStopover()
    stopover_id, number, day, half = row
    if domain.left_open(day, now):  # the number goes back with the rollback
        raise left_open_error(session, stopover_id)
    closes_at = domain.closing_time(day, half)
    ticket = Ticket(
        stopover_id=stopover_id, number=number, procedure_id=procedure.id,
        operator_id=procedure.operator_id, priority=priority, language=language,
        state=State.WAITING, taken_at=now, recall_count=0, channel=channel,
    )
    session.add(ticket)
    session.flush()
    log_event(session, ctx, "ticket_taken", stopover_id=stopover_id, ticket_id=ticket.id,
         number=number, procedure=procedure.id, priority=priority, channel=channel)
    ahead = session.execute(
        select(Ticket.procedure_id).where(
            Ticket.stopover_id == stopover_id, Ticket.state == State.WAITING,
            Ticket.number < number if priority else Ticket.number != number,
            *([Ticket.priority.is_(True)] if priority else []),
        )
    ).scalars().all()
    typical = _typical_minutes_by_procedure(session, ctx, set(ahead))
    wait = domain.wait_range([typical[p] for p in ahead], _open_desks(session),
                             now=now, closes_at=closes_at)
    return TicketIssued(
        number=number, procedure_id=procedure.id, operator_id=procedure.operator_id,
        priority=priority, people_ahead=len(ahead), wait=wait, taken_at=now,
        stopover_id=stopover_id, half=half, closes_at=closes_at,
    ), ticket.id


def _call(session: Session, ctx: Context, stopover: Stopover, ticket: Ticket, desk: Desk,
          staff_id: int | None) -> TicketCalled:
    now = ctx.now()
    ticket.state = State.CALLED
    ticket.desk_id = desk.id
    ticket.staff_id = staff_id
    ticket.called_at = now
    if ticket.first_called_at is None:  # the wait ends at the first call, even if put back later
        ticket.first_called_at = now
        ticket.wait_seconds = _seconds(ticket.taken_at, now)
    if desk.status != "open":
        desk.status = "open"
    log_event(session, ctx, "ticket_called", stopover_id=stopover.id, ticket_id=ticket.id,
         desk_id=desk.id, staff_id=staff_id, number=ticket.number)
    session.flush()
    return TicketCalled(ticket.number, desk.id, ticket.procedure_id, ticket.recall_count)


def _ready_desk(session: Session, desk_id: int) -> Desk:
    desk = _desk(session, desk_id)
    if desk.status == "paused":
        raise DeskPaused(desk_id)
    current = _current_of_desk(session, desk_id)
    if current is not None:
        raise DeskBusy(desk_id, current.number)
    return desk


def call_next(ctx: Context, desk_id: int, staff_id: int | None = None) -> TicketCalled:
    """Call the first waiting ticket for a desk: priority first, then arrival. A desk holds one
    visitor at a time. Row locks (SKIP LOCKED on PostgreSQL, the write lock on SQLite) make sure
    two desks never get the same ticket."""
    with ctx.write() as session:
        _acting(session, staff_id, desk_id)
        stopover = _open_stopover(session, ctx)
        desk = _ready_desk(session, desk_id)
        query = (
            select(Ticket)
            .where(Ticket.stopover_id == stopover.id, Ticket.state == State.WAITING)
            .order_by(Ticket.priority.desc(), Ticket.number)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ticket = session.scalars(query).first()
        if ticket is None:
            raise NoTicketWaiting()
        return _call(session, ctx, stopover, ticket, desk, staff_id)


def call_number(ctx: Context, desk_id: int, number: int,
                staff_id: int | None = None) -> TicketCalled:
    """Call a given waiting number (a visitor who needs a particular animatrice, say)."""
    with ctx.write() as session:
        _acting(session, staff_id, desk_id)
        stopover = _open_stopover(session, ctx)
        desk = _ready_desk(session, desk_id)
        ticket = _ticket(session, stopover, number)
        _check(ticket, "call")
        return _call(session, ctx, stopover, ticket, desk, staff_id)


def recall(ctx: Context, number: int, staff_id: int | None = None) -> TicketCalled:
    """Call a called ticket again (announced again on the kiosk)."""
    with ctx.write() as session:
        stopover = _open_stopover(session, ctx)
        ticket = _ticket(session, stopover, number)
        _check(ticket, "recall")
        _acting(session, staff_id, ticket.desk_id)
        ticket.recall_count += 1
        log_event(session, ctx, "ticket_recalled", stopover_id=stopover.id, ticket_id=ticket.id,
             desk_id=ticket.desk_id, staff_id=staff_id, number=number,
             recall_count=ticket.recall_count)
        assert ticket.desk_id is not None
        return TicketCalled(number, ticket.desk_id, ticket.procedure_id, ticket.recall_count)


def transfer_ticket(ctx: Context, number: int, to_desk: int,
                    staff_id: int | None = None) -> TicketCalled:
    """Send a called (or started) visitor to another desk, which must be free; the kiosk
    announces the new desk like a recall."""
    with ctx.write() as session:
        stopover = _open_stopover(session, ctx)
        ticket = _ticket(session, stopover, number)
        if ticket.state not in (State.CALLED, State.IN_SERVICE):
            raise InvalidTransition(number, ticket.state, "le transférer")
        _acting(session, staff_id, ticket.desk_id)
        from_desk = ticket.desk_id
        if from_desk == to_desk:
            raise KioskError(f"Le n° {number} est déjà au poste {to_desk}.")
        # the kiosk announces the new desk at once: nobody must be sent to an empty chair
        target = _desk(session, to_desk)
        if target.status != "open" or target.staff_id is None:
            raise DeskNotReady(to_desk, target.status, target.staff_id is not None)
        desk = _ready_desk(session, to_desk)
        ticket.desk_id = desk.id
        ticket.state = State.CALLED
        ticket.recall_count += 1
        log_event(session, ctx, "ticket_transferred", stopover_id=stopover.id,
                  ticket_id=ticket.id, desk_id=desk.id, staff_id=staff_id, number=number,
                  from_desk=from_desk)
        session.flush()
        return TicketCalled(number, desk.id, ticket.procedure_id, ticket.recall_count)


def _change(ctx: Context, number: int, action: str, event: str,
            staff_id: int | None = None) -> TicketChanged:
    now = ctx.now()
    with ctx.write() as session:
        stopover = _open_stopover(session, ctx)
        ticket = _ticket(session, stopover, number)
        _check(ticket, action)
        _acting(session, staff_id, ticket.desk_id)
        desk_id = ticket.desk_id
        before = ticket.state
        ticket.state = domain.target(action)
        if action == "start":
            ticket.started_at = now
        elif action == "put_back":
            ticket.desk_id = None  # its call times stay: they happened
        elif action in ("absent", "cancel"):
            ticket.ended_at = now
            ticket.desk_id = None if ticket.state == State.CANCELLED else ticket.desk_id
        # an absence or a cancellation may be undone: the log keeps the state it left
        extra = {"from_state": str(before)} if action in ("absent", "cancel") else {}
        log_event(session, ctx, event, stopover_id=stopover.id, ticket_id=ticket.id, desk_id=desk_id,
             staff_id=staff_id, number=number, **extra)
        session.flush()
        return TicketChanged(number, ticket.state, ticket.desk_id)


def start_service(ctx: Context, number: int, staff_id: int | None = None) -> TicketChanged:
    """The called visitor sits down at the desk."""
    return _change(ctx, number, "start", "service_started", staff_id)


def put_back(ctx: Context, number: int, staff_id: int | None = None) -> TicketChanged:
    """A called ticket returns to the queue at its original place (arrival order kept)."""
    return _change(ctx, number, "put_back", "ticket_put_back", staff_id)


def mark_absent(ctx: Context, number: int, staff_id: int | None = None) -> TicketChanged:
    """The visitor did not come when called (or left the queue): the desk is free again."""
    return _change(ctx, number, "absent", "ticket_no_show", staff_id)


def cancel_ticket(ctx: Context, number: int, staff_id: int | None = None) -> TicketChanged:
    """A waiting ticket is withdrawn (taken by mistake, visitor gave up)."""
    return _change(ctx, number, "cancel", "ticket_cancelled", staff_id)


UNDO_SECONDS = 120  # a slip noticed later than this is not a slip: the queue has moved on


def _undo(ctx: Context, number: int, staff_id: int | None, done_event: str, state: State,
          undone_event: str, what: str) -> TicketChanged:
    """Take back the latest action on a ticket, if it was `done_event`, less than UNDO_SECONDS
    ago. The ticket returns exactly as it was: its end time is cleared, its call times and wait
    stay those it had (the statistics then read it as if the slip never happened)."""
    now = ctx.now()
    with ctx.write() as session:
        _acting(session, staff_id)
        stopover = _open_stopover(session, ctx)
        ticket = _ticket(session, stopover, number)
        last = session.execute(
            select(Event.kind, Event.at, Event.detail).where(Event.ticket_id == ticket.id)
            .order_by(Event.id.desc()).limit(1)
        ).first()
        if ticket.state != state or last is None or last.kind != done_event:
            raise NothingToUndo(number, f"il n'est plus {what}")
        if (now - last.at).total_seconds() > UNDO_SECONDS:
            raise UndoTooLate(number, UNDO_SECONDS // 60)
        detail = json.loads(last.detail or "{}")
        before = detail.get("from_state") or (State.CALLED if ticket.desk_id else State.WAITING)
        desk_id = ticket.desk_id
        back_to = State.WAITING
        if before == State.CALLED and desk_id is not None:
            desk = session.get(Desk, desk_id, with_for_update=True)
            # called again at the same desk only if it still waits for this visitor
            if (desk is not None and desk.status == "open"
                    and _current_of_desk(session, desk_id) is None):
                back_to = State.CALLED
        ticket.state = back_to
        ticket.ended_at = None
        if back_to == State.WAITING:
            ticket.desk_id = None  # back at its place in the queue, like a ticket put back
        log_event(session, ctx, undone_event, stopover_id=stopover.id, ticket_id=ticket.id,
                  desk_id=desk_id, staff_id=staff_id, number=number, state=str(back_to))
        session.flush()
        return TicketChanged(number, ticket.state, ticket.desk_id)


def undo_absent(ctx: Context, number: int, staff_id: int | None = None) -> TicketChanged:
    """Take back "Absent" tapped by mistake: a called ticket is called again at its desk if the
    desk is still free, else it waits at its original place; a waiting one waits again."""
    return _undo(ctx, number, staff_id, "ticket_no_show", State.NO_SHOW,
                 "ticket_no_show_undone", "marqué absent")


def undo_cancel(ctx: Context, number: int, staff_id: int | None = None) -> TicketChanged:
    """Take back "Annuler le ticket" tapped by mistake: the ticket waits at its original place."""
    return _undo(ctx, number, staff_id, "ticket_cancelled", State.CANCELLED,
                 "ticket_cancel_undone", "annulé")


def withdraw_ticket(ctx: Context, number: int, stopover_id: int) -> TicketChanged:
    """The visitor says at once that the ticket is not hers ("Ce n'est pas ma démarche"): a
    waiting ticket of that stopover leaves the queue as withdrawn. The number stays used (never
    given again) and the statistics do not count it as a visit. Refused once it was called."""
    now = ctx.now()
    with ctx.write() as session:
        stopover = session.get(Stopover, stopover_id)
        if stopover is None or stopover.closed_at is not None:
            raise NoOpenStopover()
        ticket = _ticket(session, stopover, number)
        _check(ticket, "withdraw")
        ticket.state = State.WITHDRAWN
        ticket.ended_at = now
        log_event(session, ctx, "ticket_withdrawn", stopover_id=stopover.id, ticket_id=ticket.id,
                  number=number)
        session.flush()
        return TicketChanged(number, ticket.state, None)
