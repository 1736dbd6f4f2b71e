"""What the verbs share: their results (frozen dataclasses), the event log, the revision the screens
poll, and the lookups that lock a row before changing it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import (
    Commune,
    Desk,
    Event,
    QueueRevision,
    Staff,
    Stop,
    Stopover,
    Ticket,
)
from kiosk import domain, french
from kiosk.content.catalogue import Procedure
from kiosk.core.context import Context
from kiosk.domain import Half, Role, State
from kiosk.errors import (
    DeskNotYours,
    InvalidTransition,
    NoOpenStopover,
    StaffDisabled,
    StopoverLeftOpen,
    UnknownDesk,
    UnknownProcedure,
    UnknownTicket,
)


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

    @property
    def serving_limit(self) -> dt.datetime:
        return domain.serving_limit(self.day)

    def left_open(self, now: dt.datetime) -> bool:
        """Still open after its day (domain.left_open): no ticket, no call."""
        return self.closed_at is None and domain.left_open(self.day, now)

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
    left_open: bool = False  # closed after its day, at its true end (domain.true_closing)


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


def _open_stopover(session: Session, ctx: Context | None = None) -> Stopover:
    """The open stopover. With `ctx`, one left open after its day is refused
    (StopoverLeftOpen): what takes a ticket or calls one passes it; closing the stopover and
    finishing a visit already begun do not."""
    stopover = session.scalars(select(Stopover).where(Stopover.closed_at.is_(None))).first()
    if stopover is None:
        raise NoOpenStopover()
    if ctx is not None and domain.left_open(stopover.day, ctx.now()):
        raise left_open_error(session, stopover.id)
    return stopover


def serving_stopover(session: Session, ctx: Context) -> Stopover:
    """The open stopover as a service that issues a ticket in its own transaction sees it:
    refused when none is open, or when it was left open after its day."""
    return _open_stopover(session, ctx)


def last_activity(session: Session, stopover_id: int) -> dt.datetime | None:
    """The stopover's last activity within its serving limit: its last event, or the end of a
    visit finished later (a visit finished after the limit is recorded ending at it)."""
    stopover = session.get(Stopover, stopover_id)
    if stopover is None:
        return None
    limit = domain.serving_limit(stopover.day)
    moments = [
        session.scalar(select(func.max(Event.at))
                       .where(Event.stopover_id == stopover_id, Event.at <= limit)),
        session.scalar(select(func.max(Ticket.ended_at))
                       .where(Ticket.stopover_id == stopover_id, Ticket.ended_at <= limit)),
    ]
    return max((m for m in moments if m is not None), default=None)


def closing_moment(session: Session, stopover: Stopover, now: dt.datetime) -> dt.datetime:
    """When closing the stopover now records it closed: now, or for one left open, its true
    end (domain.true_closing)."""
    if not domain.left_open(stopover.day, now):
        return now
    return domain.true_closing(stopover.day, stopover.half, last_activity(session, stopover.id))


def left_open_error(session: Session, stopover_id: int) -> StopoverLeftOpen:
    info = stopover_info(session, stopover_id)
    closing = domain.true_closing(info.day, info.half, last_activity(session, stopover_id))
    return StopoverLeftOpen(f"{info.commune_name} – {info.stop_name}",
                            french.day_and_month(info.day),
                            domain.HALF_LABELS[domain.Half(info.half)],
                            french.time_of_day(closing))


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


def _current_of_desk(session: Session, desk_id: int) -> Ticket | None:
    return session.scalars(
        select(Ticket).where(Ticket.desk_id == desk_id,
                             Ticket.state.in_([State.CALLED, State.IN_SERVICE]))
    ).first()


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


def _bump_revision(session: Session) -> None:
    session.execute(update(QueueRevision).where(QueueRevision.id == 1)
                    .values(value=QueueRevision.value + 1))
