"""Use cases of the queue. Each is one transaction that appends to the event log and bumps the
queue revision; each returns a frozen dataclass; each refusal is a named exception (kiosk.errors).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.engine import upgrade
from db.models import (
    Commune,
    Demande,
    Desk,
    Event,
    Feedback,
    QueueRevision,
    ScheduleSlot,
    Staff,
    Stop,
    Stopover,
    Ticket,
)
from kiosk import domain
from kiosk.content.catalogue import Procedure
from kiosk.content.itinerary import load_itinerary
from kiosk.content.planning import closures_path
from kiosk.core.context import Context
from kiosk.domain import Half, Outcome, Role, State
from kiosk.errors import (
    DeskBusy,
    DeskNotReady,
    DeskNotYours,
    DeskPaused,
    InvalidDemande,
    InvalidTransition,
    KioskError,
    NoOpenStopover,
    NothingToUndo,
    NoTicketWaiting,
    StaffDisabled,
    StopoverAlreadyOpen,
    UndoTooLate,
    UnknownDesk,
    UnknownProcedure,
    UnknownStop,
    UnknownTicket,
    VisitsInProgress,
)
from kiosk.vocabulary import (
    AGE_BANDS,
    CHANNELS,
    DESK_STATUSES,
    FEEDBACK_ANSWERS,
    GENDERS,
    OUTCOMES,
    RESIDENCE_ANSWERS,
)

# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class StopoverInfo:
    id: int
    stop_id: str
    stop_name: str
    commune_insee: str
    commune_name: str
    day: dt.date
    half: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    last_number: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "stop": self.stop_id,
            "stop_name": self.stop_name,
            "commune": self.commune_name,
            "insee": self.commune_insee,
            "day": self.day.isoformat(),
            "half": self.half,
            "opened_at": self.opened_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "last_number": self.last_number,
        }


@dataclass(frozen=True)
class StopoverClosed:
    stopover: StopoverInfo
    unserved: int
    served: int


@dataclass(frozen=True)
class TicketIssued:
    number: int
    procedure_id: str
    operator_id: str
    priority: bool
    people_ahead: int
    wait: domain.WaitRange
    taken_at: dt.datetime
    stopover_id: int
    half: str
    closes_at: dt.datetime  # when this half-day stops receiving (domain.CLOSING_TIMES)


@dataclass(frozen=True)
class TicketCalled:
    number: int
    desk: int
    procedure_id: str
    recall_count: int


@dataclass(frozen=True)
class TicketChanged:
    number: int
    state: str
    desk: int | None


@dataclass(frozen=True)
class DemandeInput:
    procedure_id: str
    outcome: str
    partner: str | None = None


@dataclass(frozen=True)
class VisitFinished:
    number: int
    desk: int | None
    demandes: int
    service_seconds: int


@dataclass(frozen=True)
class InitReport:
    communes: int
    stops: int
    schedule: int
    desks: int
    procedures: int


# ---------------------------------------------------------------- helpers


def log_event(session: Session, ctx: Context, kind: str, *, stopover_id: int | None = None,
              ticket_id: int | None = None, desk_id: int | None = None,
              staff_id: int | None = None, **detail: Any) -> None:
    """Append one line to the event log, inside the caller's transaction."""
    session.add(
        Event(
            at=ctx.now(), kind=kind, stopover_id=stopover_id, ticket_id=ticket_id,
            desk_id=desk_id, staff_id=staff_id,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        )
    )


def _open_stopover(session: Session) -> Stopover:
    stopover = session.scalars(select(Stopover).where(Stopover.closed_at.is_(None))).first()
    if stopover is None:
        raise NoOpenStopover()
    return stopover


def stopover_info(session: Session, stopover: Stopover | int) -> StopoverInfo:
    """The stopover with its stop and commune, in one query."""
    stopover_id = stopover if isinstance(stopover, int) else stopover.id
    row = session.execute(
        select(Stopover.id, Stopover.day, Stopover.half, Stopover.opened_at, Stopover.closed_at,
               Stopover.last_number, Stop.id.label("stop_id"), Stop.name.label("stop_name"),
               Commune.insee, Commune.name.label("commune_name"))
        .join(Stop, Stop.id == Stopover.stop_id)
        .join(Commune, Commune.insee == Stop.commune_insee)
        .where(Stopover.id == stopover_id)
    ).one()
    return StopoverInfo(
        id=row.id, stop_id=row.stop_id, stop_name=row.stop_name, commune_insee=row.insee,
        commune_name=row.commune_name, day=row.day, half=row.half, opened_at=row.opened_at,
        closed_at=row.closed_at, last_number=row.last_number,
    )


def _ticket(session: Session, stopover: Stopover, number: int, lock: bool = True) -> Ticket:
    query = select(Ticket).where(Ticket.stopover_id == stopover.id, Ticket.number == number)
    if lock:
        query = query.with_for_update()
    ticket = session.scalars(query).first()
    if ticket is None:
        raise UnknownTicket(number)
    return ticket


def _check(ticket: Ticket, action: str) -> None:
    if not domain.can(action, ticket.state):
        raise InvalidTransition(ticket.number, ticket.state, domain.ACTION_LABELS[action])


def _desk(session: Session, desk_id: int) -> Desk:
    desk = session.get(Desk, desk_id)
    if desk is None:
        raise UnknownDesk(desk_id)
    return desk


def _procedure(ctx: Context, procedure_id: str) -> Procedure:
    procedure = ctx.catalogue.procedure(procedure_id)
    if procedure is None:
        raise UnknownProcedure(procedure_id)
    return procedure


def _seconds(start: dt.datetime, end: dt.datetime) -> int:
    """A phase's duration in whole seconds (never negative, should the clock step back)."""
    return max(0, int((end - start).total_seconds()))


def half_of(moment: dt.datetime) -> str:
    """The bus works mornings (8:00-13:00); anything from 13:00 on is the afternoon."""
    return Half.MORNING if moment.hour < 13 else Half.AFTERNOON


# ---------------------------------------------------------------- set-up


def _upsert(session: Session, model: Any, rows: list[dict[str, Any]], key: str) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(model).values(rows)
    columns = {c: stmt.excluded[c] for c in rows[0] if c != key}
    session.execute(stmt.on_conflict_do_update(index_elements=[key], set_=columns))


def init_database(ctx: Context) -> InitReport:
    """Create or upgrade the schema, then load the itinerary and the desks. Idempotent: stops
    that vanished from the itinerary are kept (old stopovers point at them) but marked inactive."""
    upgrade(ctx.engine)
    catalogue = ctx.catalogue
    itinerary = load_itinerary(ctx.settings.effective_itinerary_dir,
                               closures_path(ctx.settings.data_dir))
    with ctx.sessions.begin() as session:
        _upsert(session, Commune, [{"insee": c.insee, "name": c.name}
                                   for c in itinerary.communes], "insee")
        stops = [s for c in itinerary.communes for s in c.stops]
        _upsert(session, Stop, [{"id": s.id, "commune_insee": s.commune_insee, "name": s.name,
                                 "active": True, "confirmed": s.confirmed} for s in stops], "id")
        session.execute(
            update(Stop).where(Stop.id.not_in([s.id for s in stops])).values(active=False)
        )
        session.execute(delete(ScheduleSlot))
        session.add_all(ScheduleSlot(day=s.day, half=s.half, stop_id=s.stop_id)
                        for s in itinerary.schedule)
        for desk_id in range(1, ctx.settings.desks + 1):
            if session.get(Desk, desk_id) is None:
                session.add(Desk(id=desk_id, name=f"Poste {desk_id}", status="closed"))
        if session.get(QueueRevision, 1) is None:
            session.add(QueueRevision(id=1, value=0))
    return InitReport(
        communes=len(itinerary.communes), stops=len(stops), schedule=len(itinerary.schedule),
        desks=ctx.settings.desks, procedures=len(catalogue.procedures),
    )


# ---------------------------------------------------------------- stopovers


def open_stopover(ctx: Context, stop_id: str, half: str | None = None,
                  day: dt.date | None = None) -> StopoverInfo:
    """Open the bus at a stop for a half-day. Only one stopover is open at a time; reopening the
    same stop and half-day continues its numbering, so a number is never given twice."""
    now = ctx.now()
    day = day or now.date()
    half = half or half_of(now)
    if half not in (Half.MORNING, Half.AFTERNOON):
        raise KioskError(f"Demi-journée invalide « {half} » : morning ou afternoon.")
    with ctx.write() as session:
        stop = session.get(Stop, stop_id)
        if stop is None or not stop.active:  # a stop removed from the itinerary is history only
            raise UnknownStop(stop_id)
        current = session.scalars(select(Stopover).where(Stopover.closed_at.is_(None))).first()
        if current is not None:
            info = stopover_info(session, current)
            raise StopoverAlreadyOpen(info.stop_name, info.day.isoformat(),
                                      domain.HALF_LABELS[Half(info.half)])
        stopover = session.scalars(
            select(Stopover).where(Stopover.stop_id == stop_id, Stopover.day == day,
                                   Stopover.half == half)
        ).first()
        if stopover is None:
            stopover = Stopover(stop_id=stop_id, day=day, half=half, opened_at=now, last_number=0)
            session.add(stopover)
            session.flush()
            log_event(session, ctx, "stopover_opened", stopover_id=stopover.id, stop=stop_id)
        else:
            # what undo_open_stopover needs to put it back exactly as it was
            previous = stopover.closed_at.isoformat() if stopover.closed_at else None
            stopover.closed_at = None
            log_event(session, ctx, "stopover_reopened", stopover_id=stopover.id, stop=stop_id,
                      previous_closed_at=previous, last_number=stopover.last_number)
        session.flush()
        return stopover_info(session, stopover)


def close_stopover(ctx: Context) -> StopoverClosed:
    """Close the open stopover. Whoever still waits, or was called and never came, ends as
    unserved; a visit still in progress blocks the closing (it must be finished first)."""
    now = ctx.now()
    with ctx.write() as session:
        stopover = _open_stopover(session)
        in_service = session.scalars(
            select(Ticket.number).where(Ticket.stopover_id == stopover.id,
                                        Ticket.state == State.IN_SERVICE)
            .order_by(Ticket.number)
        ).all()
        if in_service:
            raise VisitsInProgress(list(in_service))
        left = session.scalars(
            select(Ticket).where(Ticket.stopover_id == stopover.id,
                                 Ticket.state.in_([State.WAITING, State.CALLED]))
        ).all()
        for ticket in left:
            ticket.state = State.UNSERVED
            ticket.ended_at = now
            log_event(session, ctx, "ticket_unserved", stopover_id=stopover.id, ticket_id=ticket.id,
                 desk_id=ticket.desk_id, number=ticket.number)
            ticket.desk_id = None
        served = session.scalar(
            select(func.count()).select_from(Ticket)
            .where(Ticket.stopover_id == stopover.id, Ticket.state == State.DONE)
        ) or 0
        stopover.closed_at = now
        # desks opened by a bare `kiosk call` close with the stopover; a logged-in animatrice
        # keeps hers until she logs out
        session.execute(update(Desk).where(Desk.staff_id.is_(None)).values(status="closed"))
        log_event(session, ctx, "stopover_closed", stopover_id=stopover.id, unserved=len(left),
             served=served)
        session.flush()
        return StopoverClosed(stopover_info(session, stopover), unserved=len(left), served=served)


def undo_open_stopover(ctx: Context, stopover_id: int,
                       staff_id: int | None = None) -> StopoverInfo:
    """Take back an opening made by mistake (wrong stop, wrong half-day), as long as nobody took
    a ticket in it since. A stopover that the opening created is deleted: an empty half-day
    would count as a day of service in the statistics. One that was reopened is closed again at
    its former closing time. Returns the stopover as it was before the undo."""
    with ctx.write() as session:
        stopover = session.get(Stopover, stopover_id, with_for_update=True)
        if stopover is None:
            raise KioskError(f"Escale n° {stopover_id} introuvable : rien à annuler.")
        if stopover.closed_at is not None:
            raise KioskError("Cette escale est déjà fermée : rien à annuler.")
        opening = session.execute(
            select(Event.kind, Event.at, Event.detail)
            .where(Event.stopover_id == stopover.id,
                   Event.kind.in_(["stopover_opened", "stopover_reopened"]))
            .order_by(Event.id.desc()).limit(1)
        ).first()
        detail = json.loads(opening.detail or "{}") if opening is not None else {}
        reopened = opening is not None and opening.kind == "stopover_reopened"
        numbers_before = int(detail.get("last_number", 0)) if reopened else 0
        taken_since = stopover.last_number - numbers_before
        if opening is not None and reopened and "last_number" not in detail:
            # reopened before the number at reopening was recorded: count by time instead
            taken_since = session.scalar(
                select(func.count()).select_from(Ticket)
                .where(Ticket.stopover_id == stopover.id, Ticket.taken_at >= opening.at)) or 0
        if taken_since > 0:
            raise KioskError(f"Ouverture déjà utilisée ({taken_since} ticket(s) pris) : "
                             "fermez l'escale plutôt que d'annuler.")
        info = stopover_info(session, stopover)
        if reopened:
            previous = detail.get("previous_closed_at")
            stopover.closed_at = dt.datetime.fromisoformat(previous) if previous else ctx.now()
            log_event(session, ctx, "stopover_open_undone", stopover_id=stopover.id,
                      staff_id=staff_id, stop=info.stop_id, reopened=True)
        else:
            # the log keeps its lines; they lose only the link to a row that no longer exists
            session.execute(update(Event).where(Event.stopover_id == stopover.id)
                            .values(stopover_id=None))
            session.delete(stopover)
            log_event(session, ctx, "stopover_open_undone", staff_id=staff_id,
                      stop=info.stop_id, day=info.day.isoformat(), half=info.half,
                      deleted_stopover=info.id)
        session.flush()
        return info


# ---------------------------------------------------------------- tickets


RECENT_SERVICES = 20


def _typical_minutes_by_procedure(session: Session, ctx: Context,
                                  procedure_ids: set[str]) -> dict[str, float]:
    """Median of the 20 latest services of each procedure, else the catalogue's estimate.
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


def _current_of_desk(session: Session, desk_id: int) -> Ticket | None:
    return session.scalars(
        select(Ticket).where(Ticket.desk_id == desk_id,
                             Ticket.state.in_([State.CALLED, State.IN_SERVICE]))
    ).first()


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


def _acting(session: Session, staff_id: int | None, desk_id: int | None = None) -> None:
    """Staff rights hold here, not only in the console: the member who acts must still be
    active, and an animatrice acts only at the desk she holds (a console left open after her
    account was disabled, or after a colleague took the desk, is refused at once). The
    coordinator may act at any desk. `staff_id` None: the command line, which has no login."""
    if staff_id is None:
        return
    member = session.get(Staff, staff_id)
    if member is None or not member.active:
        raise StaffDisabled()
    if desk_id is not None and member.role != Role.COORDINATOR:
        desk = session.get(Desk, desk_id)
        if desk is not None and desk.staff_id != staff_id:
            raise DeskNotYours(desk_id)


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
        stopover = _open_stopover(session)
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
        stopover = _open_stopover(session)
        desk = _ready_desk(session, desk_id)
        ticket = _ticket(session, stopover, number)
        _check(ticket, "call")
        return _call(session, ctx, stopover, ticket, desk, staff_id)


def recall(ctx: Context, number: int, staff_id: int | None = None) -> TicketCalled:
    """Call a called ticket again (announced again on the kiosk)."""
    with ctx.write() as session:
        stopover = _open_stopover(session)
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
        stopover = _open_stopover(session)
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
        stopover = _open_stopover(session)
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
        stopover = _open_stopover(session)
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


def valid_residences(session: Session) -> set[str]:
    return set(session.scalars(select(Commune.insee))) | set(RESIDENCE_ANSWERS)


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


def finish_visit(ctx: Context, number: int, demandes: Sequence[DemandeInput],
                 age_band: str | None = None, gender: str | None = None,
                 staff_id: int | None = None, residence: str | None = None) -> VisitFinished:
    """End a visit and record what was handled: one or more demandes, each with its outcome,
    and an optional anonymous profile (age band, gender, commune of residence). A called ticket
    may be finished without "start": its start time then stays empty, and its service time runs
    from the latest call."""
    if not demandes:
        raise InvalidDemande("Une visite compte au moins une demande.")
    rows = []
    seen: set[str] = set()
    for index, d in enumerate(demandes, 1):
        procedure = ctx.catalogue.procedure(d.procedure_id)
        if procedure is None:
            raise UnknownProcedure(d.procedure_id)
        if procedure.id in seen:
            # partners count demandes: the same procedure twice in one visit is one demande
            # entered twice, and would be counted twice
            raise InvalidDemande(f"Demande {index} : « {procedure.title} » est déjà notée "
                                 "pour cette visite.")
        seen.add(procedure.id)
        if d.outcome not in OUTCOMES:
            raise InvalidDemande(
                f"Demande {index} : résultat « {d.outcome} » invalide ({', '.join(OUTCOMES)})."
            )
        raw_partner = d.partner or ""
        if any(not ch.isprintable() and not ch.isspace() for ch in raw_partner) or any(
                0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in raw_partner):
            raise InvalidDemande(f"Demande {index} : caractère invisible dans le nom du "
                                 "partenaire.")
        partner = " ".join(raw_partner.split()) or None
        if d.outcome == Outcome.REDIRECTED and partner is None:
            raise InvalidDemande(f"Demande {index} : partenaire manquant (orientée vers qui ?).")
        if d.outcome != Outcome.REDIRECTED and partner is not None:
            # the statistics and the CSV read a partner as "sent there": only a redirect has one
            raise InvalidDemande(f"Demande {index} : un partenaire n'est noté que pour une "
                                 f"demande orientée vers un partenaire.")
        if partner and len(partner) > 120:
            raise InvalidDemande(f"Demande {index} : partenaire trop long (120 caractères au plus).")
        listed = ctx.catalogue.partner_named(partner) if partner else None
        if listed is not None:  # "caf" or "Caf" counts with "CAF"
            partner = listed.label
        rows.append((procedure, d.outcome, partner))
    if age_band is not None and age_band not in AGE_BANDS:
        raise InvalidDemande(f"Tranche d'âge « {age_band} » invalide ({', '.join(AGE_BANDS)}).")
    if gender is not None and gender not in GENDERS:
        raise InvalidDemande(f"Genre « {gender} » invalide ({', '.join(GENDERS)}).")
    now = ctx.now()
    with ctx.write() as session:
        stopover = _open_stopover(session)
        if residence is not None and residence not in valid_residences(session):
            raise InvalidDemande(
                f"Commune de résidence « {residence} » invalide (code INSEE d'une commune de "
                f"l'itinéraire, {' ou '.join(RESIDENCE_ANSWERS)}).")
        ticket = _ticket(session, stopover, number)
        _check(ticket, "finish")
        _acting(session, staff_id, ticket.desk_id)
        service_from = ticket.started_at or ticket.called_at or now
        ticket.state = State.DONE
        ticket.ended_at = now
        ticket.service_seconds = _seconds(service_from, now)
        ticket.age_band, ticket.gender, ticket.residence = age_band, gender, residence
        if staff_id is not None:
            ticket.staff_id = staff_id
        for procedure, outcome, partner in rows:
            session.add(Demande(ticket_id=ticket.id, operator_id=procedure.operator_id,
                                procedure_id=procedure.id, outcome=outcome, partner=partner))
        log_event(session, ctx, "visit_finished", stopover_id=stopover.id, ticket_id=ticket.id,
             desk_id=ticket.desk_id, staff_id=staff_id, number=number,
             demandes=[[p.id, o] for p, o, _ in rows])
        session.flush()
        return VisitFinished(number, ticket.desk_id, len(rows), ticket.service_seconds)


# the devices whose failures staff see; "backup" is the copy taken after each closing
DEVICES = ("printer", "audio", "speech", "backup")


def _device_failing(session: Session, ctx: Context, device: str) -> bool:
    """Is the device's latest news today a failure (no recovery after it)?"""
    midnight = dt.datetime.combine(ctx.now().date(), dt.time())
    latest = session.scalar(
        select(Event.kind)
        .where(Event.at >= midnight,
               Event.kind.in_([f"{device}_failed", f"{device}_recovered"]))
        .order_by(Event.id.desc()).limit(1)
    )
    return latest == f"{device}_failed"


def _bump_revision(session: Session) -> None:
    session.execute(update(QueueRevision).where(QueueRevision.id == 1)
                    .values(value=QueueRevision.value + 1))


def record_device_problem(ctx: Context, device: str, message: str,
                          number: int | None = None) -> None:
    """Log a printer, sound or speech failure for the staff console (the details stay in the
    log; the console shows one line per device). Only the first failure of a run changes what
    the console shows, so only it bumps the queue revision."""
    if device not in DEVICES:
        raise KioskError(f"Appareil inconnu « {device} » ({', '.join(DEVICES)}).")
    with ctx.sessions.begin() as session:
        if not _device_failing(session, ctx, device):
            _bump_revision(session)
        stopover_id = session.scalar(select(Stopover.id).where(Stopover.closed_at.is_(None)))
        log_event(session, ctx, f"{device}_failed", stopover_id=stopover_id, number=number,
             message=message[:300])


def record_device_ok(ctx: Context, device: str) -> bool:
    """The device just worked (a slip printed, an announcement heard). If it was failing, log
    its recovery, which clears the console's line; otherwise write nothing. True if it was
    failing."""
    if device not in DEVICES:
        raise KioskError(f"Appareil inconnu « {device} » ({', '.join(DEVICES)}).")
    with ctx.sessions.begin() as session:
        if not _device_failing(session, ctx, device):
            return False
        _bump_revision(session)
        stopover_id = session.scalar(select(Stopover.id).where(Stopover.closed_at.is_(None)))
        log_event(session, ctx, f"{device}_recovered", stopover_id=stopover_id)
        return True


def set_desk_status(ctx: Context, desk_id: int, status: str,
                    staff_id: int | None = None) -> str:
    """Open, pause or close a desk; a paused desk is not counted in the wait estimate."""
    if status not in DESK_STATUSES:
        raise KioskError(f"État de poste invalide « {status} ».")
    with ctx.write() as session:
        _acting(session, staff_id, desk_id)
        desk = _desk(session, desk_id)
        current = _current_of_desk(session, desk_id)
        if status == "closed" and current is not None:
            # a closed desk holding a visitor: the visit could never be finished from it
            raise DeskBusy(desk_id, current.number)
        desk.status = status
        log_event(session, ctx, f"desk_{status}", desk_id=desk_id, staff_id=staff_id)
        return status


# ---------------------------------------------------------------- the visitors' opinion

# A visitor's finger may tap twice, or tap a second face at once to "correct" the first: the
# kiosk is anonymous, so "the same visitor" can only mean "the same kiosk, a moment later".
FEEDBACK_REPEAT_SECONDS = 20


def record_feedback(ctx: Context, answer: str,
                    repeat_seconds: int = FEEDBACK_REPEAT_SECONDS) -> bool:
    """Record one "Votre avis" answer (vocabulary.FEEDBACK_ANSWERS) for the open stopover,
    anonymous: the stopover and the time only. Not recorded, and False returned, when no
    stopover is open or when an answer was recorded at this stopover less than
    `repeat_seconds` ago (a second tap of the same visitor). True when it counted.
    Not a queue write: the revision is left alone (no screen needs to redraw)."""
    if answer not in FEEDBACK_ANSWERS:
        raise KioskError(f"Avis « {answer} » invalide ({', '.join(FEEDBACK_ANSWERS)}).")
    now = ctx.now()
    with ctx.sessions.begin() as session:
        # the stopover's row lock serialises two taps on PostgreSQL (SQLite: BEGIN IMMEDIATE)
        stopover_id = session.scalar(
            select(Stopover.id).where(Stopover.closed_at.is_(None)).with_for_update())
        if stopover_id is None:
            return False
        latest = session.scalar(select(func.max(Feedback.created_at))
                                .where(Feedback.stopover_id == stopover_id))
        # abs: a clock set back (the PC's time corrected) must not silence the kiosk for hours
        if latest is not None and abs(now - latest) < dt.timedelta(seconds=repeat_seconds):
            return False
        session.add(Feedback(stopover_id=stopover_id, answer=answer, created_at=now))
        return True
