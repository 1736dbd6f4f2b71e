"""Read models: plain queries returning frozen rows for the screens, the CLI and exports."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from db.models import (
    Commune,
    Demande,
    Desk,
    Event,
    QueueRevision,
    ScheduleSlot,
    Staff,
    Stop,
    Stopover,
    Ticket,
)
from kiosk.content.itinerary import shown_name
from kiosk.core.context import Context
from kiosk.core.services import DEVICES, StopoverInfo, closing_moment, stopover_info
from kiosk.domain import State
from kiosk.vocabulary import OUTCOMES

# Waits and visits as every figure counts them: one that ended on a later day than its ticket
# was taken crossed days (a stopover left open, recorded before the record refused that); it is
# left out, never averaged.
COUNTED_WAIT = case((func.date(Ticket.first_called_at) == func.date(Ticket.taken_at),
                     Ticket.wait_seconds))
COUNTED_SERVICE = case((func.date(Ticket.ended_at) == func.date(Ticket.taken_at),
                        Ticket.service_seconds))


class WaitingRow(NamedTuple):
    """One waiting ticket (a named tuple: the board builds hundreds of them per refresh)."""

    number: int
    procedure_id: str
    operator_id: str
    priority: bool
    taken_at: dt.datetime
    waited_seconds: int
    language: str = "fr"  # the kiosk's language when she took it: the animatrice greets her so


class CalledRow(NamedTuple):
    number: int
    desk: int
    state: str
    procedure_id: str
    called_at: dt.datetime | None
    recall_count: int
    language: str = "fr"


@dataclass(frozen=True)
class QueueSnapshot:
    revision: int
    stopover: StopoverInfo | None
    waiting: tuple[WaitingRow, ...]
    called: tuple[CalledRow, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "stopover": self.stopover.as_json() if self.stopover else None,
            "waiting": [
                {"number": w.number, "procedure": w.procedure_id, "priority": w.priority,
                 "waited_seconds": w.waited_seconds}
                for w in self.waiting
            ],
            "called": [
                {"number": c.number, "desk": c.desk, "state": c.state,
                 "procedure": c.procedure_id, "recall_count": c.recall_count}
                for c in self.called
            ],
        }


def queue_revision(ctx: Context) -> int:
    """The number screens poll: it changes whenever anything in the queue changes."""
    with ctx.read() as session:
        return session.scalar(select(QueueRevision.value).where(QueueRevision.id == 1)) or 0


def open_stopover(ctx: Context) -> StopoverInfo | None:
    """The stopover open now, without its queue (None: the bus is closed)."""
    with ctx.read() as session:
        stopover_id = session.scalar(select(Stopover.id).where(Stopover.closed_at.is_(None)))
        return None if stopover_id is None else stopover_info(session, stopover_id)


def queue_snapshot(ctx: Context) -> QueueSnapshot:
    """The open stopover, its waiting tickets in call order, and the tickets at desks."""
    now = ctx.now()
    with ctx.read() as session:
        revision = session.scalar(select(QueueRevision.value).where(QueueRevision.id == 1)) or 0
        stopover_id = session.scalar(select(Stopover.id).where(Stopover.closed_at.is_(None)))
        if stopover_id is None:
            return QueueSnapshot(revision, None, (), ())
        rows = session.execute(
            select(Ticket.number, Ticket.procedure_id, Ticket.operator_id, Ticket.priority,
                   Ticket.taken_at, Ticket.state, Ticket.desk_id, Ticket.called_at,
                   Ticket.recall_count, Ticket.language)
            .where(Ticket.stopover_id == stopover_id,
                   Ticket.state.in_([State.WAITING, State.CALLED, State.IN_SERVICE]))
            .order_by(Ticket.priority.desc(), Ticket.number)
        ).all()
        waiting = []
        called = []
        for (number, procedure, operator, priority, taken, state, desk, called_at, recalls,
             language) in rows:
            if state == State.WAITING:
                waited = int((now - taken).total_seconds())
                waiting.append(WaitingRow(number, procedure, operator, bool(priority), taken,
                                          waited if waited > 0 else 0, language or "fr"))
            else:
                called.append(CalledRow(number, desk, state, procedure, called_at, recalls,
                                        language or "fr"))
        called.sort(key=lambda c: c.desk)
        return QueueSnapshot(revision, stopover_info(session, stopover_id), tuple(waiting),
                             tuple(called))


@dataclass(frozen=True)
class LastCall:
    event_id: int
    number: int
    desk: int
    at: dt.datetime
    recall: bool = False  # a recall or a transfer: announced as "Rappel"
    language: str = "fr"  # the language the ticket was taken in: a Créole one is also called in Créole


def last_calls(ctx: Context, limit: int = 4) -> tuple[LastCall, ...]:
    """The latest calls and recalls of the open stopover, newest first (the Accueil band):
    one line per number, its latest call (a recalled number is not listed twice)."""
    with ctx.read() as session:
        latest = (
            select(func.max(Event.id).label("id"))
            .join(Stopover, Stopover.id == Event.stopover_id)
            .where(Stopover.closed_at.is_(None),
                   Event.kind.in_(["ticket_called", "ticket_recalled", "ticket_transferred"]))
            .group_by(Event.ticket_id)
            .subquery()
        )
        rows = session.execute(
            select(Event.id, Ticket.number, Event.desk_id, Event.at, Event.kind, Ticket.language)
            .join(latest, latest.c.id == Event.id)
            .join(Ticket, Ticket.id == Event.ticket_id)
            .order_by(Event.id.desc()).limit(limit)
        ).all()
    return tuple(LastCall(r.id, r.number, r.desk_id, r.at, r.kind != "ticket_called",
                          r.language or "fr") for r in rows)


@dataclass(frozen=True)
class DeskRow:
    id: int
    name: str
    status: str
    staff_name: str | None
    current: CalledRow | None


@dataclass(frozen=True)
class Problem:
    """A device that fails now: its latest failure is newer than its latest recovery."""

    at: dt.datetime  # the first failure of this run: "depuis 9 h 12"
    device: str  # printer, audio or speech (kiosk.core.services.DEVICES)
    message: str  # the latest failure's technical detail (the console does not show it)
    failures: int = 1  # failures in this run


@dataclass(frozen=True)
class StaffBoard:
    """What the animatrices' console shows: the queue, the desks, today's counts, problems."""

    queue: QueueSnapshot
    desks: tuple[DeskRow, ...]
    served: int
    absent: int
    cancelled: int
    mean_wait_minutes: float | None
    problems: tuple[Problem, ...]
    now: dt.datetime


def _device_problems(session: Session, now: dt.datetime) -> tuple[Problem, ...]:
    """Today's failing devices, one each, whatever the stopover: a printer that failed before
    the opening is still out of paper after it. A device is failing while its latest
    `<device>_failed` event is newer than its latest `<device>_recovered` one."""
    midnight = dt.datetime.combine(now.date(), dt.time())
    kinds = [f"{d}_{what}" for d in DEVICES for what in ("failed", "recovered")]
    latest: dict[str, int] = {kind: last for kind, last in session.execute(
        select(Event.kind, func.max(Event.id))
        .where(Event.at >= midnight, Event.kind.in_(kinds)).group_by(Event.kind)
    ).all()}
    problems = []
    for device in DEVICES:
        failed = latest.get(f"{device}_failed")
        recovered = latest.get(f"{device}_recovered") or 0
        if failed is None or failed < recovered:
            continue
        since, count = session.execute(
            select(func.min(Event.at), func.count())
            .where(Event.at >= midnight, Event.kind == f"{device}_failed", Event.id > recovered)
        ).one()
        detail = session.scalar(select(Event.detail).where(Event.id == failed))
        problems.append(Problem(since, device, json.loads(detail or "{}").get("message", ""),
                                count))
    return tuple(problems)


def staff_board(ctx: Context) -> StaffBoard:
    queue = queue_snapshot(ctx)
    with ctx.read() as session:
        desks_rows = session.execute(
            select(Desk.id, Desk.name, Desk.status, Staff.name.label("staff_name"))
            .outerjoin(Staff, Staff.id == Desk.staff_id).order_by(Desk.id)
        ).all()
        counts: dict[str, int] = {}
        mean_wait = None
        problems = _device_problems(session, ctx.now())
        if queue.stopover is not None:
            sid = queue.stopover.id
            counts = {state: n for state, n in session.execute(
                select(Ticket.state, func.count()).where(Ticket.stopover_id == sid)
                .group_by(Ticket.state)
            ).all()}
            # the one wait of every figure: from the ticket to its first call, stored on the
            # ticket at that call (kiosk/core/services/tickets.py, _call); a visitor put back and called again
            # has not waited twice
            called, total = session.execute(
                select(func.count(COUNTED_WAIT), func.coalesce(func.sum(COUNTED_WAIT), 0))
                .where(Ticket.stopover_id == sid)
            ).one()
            if called:
                mean_wait = int(total) / called / 60
    current = {c.desk: c for c in queue.called}
    desks = tuple(DeskRow(r.id, r.name, r.status, r.staff_name, current.get(r.id))
                  for r in desks_rows)
    return StaffBoard(queue, desks, counts.get(State.DONE, 0), counts.get(State.NO_SHOW, 0),
                      counts.get(State.CANCELLED, 0), mean_wait, problems, ctx.now())


@dataclass(frozen=True)
class Passage:
    day: dt.date
    half: str
    stop_id: str
    stop_name: str  # as visitors read it: "… (sous réserve)" while the place is not confirmed
    commune_insee: str
    commune_name: str
    confirmed: bool = True


def _passages(ctx: Context, *conditions: Any, limit: int) -> tuple[Passage, ...]:
    with ctx.read() as session:
        rows = session.execute(
            select(ScheduleSlot.day, ScheduleSlot.half, Stop.id, Stop.name, Commune.insee,
                   Commune.name.label("commune_name"), Stop.confirmed)
            .join(Stop, Stop.id == ScheduleSlot.stop_id)
            .join(Commune, Commune.insee == Stop.commune_insee)
            .where(*conditions)
            .order_by(ScheduleSlot.day, ScheduleSlot.half.desc())  # morning before afternoon
            .limit(limit)
        ).all()
    return tuple(Passage(r.day, r.half, r.id, shown_name(r.name, r.confirmed), r.insee,
                         r.commune_name, r.confirmed) for r in rows)


def planned_passages(ctx: Context, start: dt.date, end: dt.date,
                     commune_insee: str | None = None) -> tuple[Passage, ...]:
    """Every planned half-day from `start` to `end` (one commune's, or all): the calendars."""
    conditions = [ScheduleSlot.day >= start, ScheduleSlot.day <= end]
    if commune_insee is not None:
        conditions.append(Stop.commune_insee == commune_insee)
    return _passages(ctx, *conditions, limit=100_000)


def today_stop(ctx: Context, today: dt.date | None = None) -> Passage | None:
    """Where the bus is planned today (the first half-day of the day)."""
    day = today or ctx.now().date()
    found = _passages(ctx, ScheduleSlot.day == day, limit=1)
    return found[0] if found else None


def next_passages(ctx: Context, commune_insee: str, after: dt.date | None = None,
                  limit: int = 3) -> tuple[Passage, ...]:
    """The next planned half-days of the bus in a commune, strictly after `after` (today)."""
    day = after or ctx.now().date()
    return _passages(ctx, Stop.commune_insee == commune_insee, ScheduleSlot.day > day,
                     limit=limit)


@dataclass(frozen=True)
class CommuneListing:
    insee: str
    name: str
    stops: tuple[tuple[str, str], ...]
    next_passages: tuple[Passage, ...]


def itinerary_listing(ctx: Context, after: dt.date | None = None,
                      limit: int = 3) -> tuple[CommuneListing, ...]:
    """Every commune with its active stops and its next planned half-days (today included)."""
    day = after or ctx.now().date()
    with ctx.read() as session:
        communes = session.execute(select(Commune.insee, Commune.name).order_by(Commune.name)).all()
        stops = session.execute(
            select(Stop.commune_insee, Stop.id, Stop.name, Stop.confirmed)
            .where(Stop.active.is_(True)).order_by(Stop.id)
        ).all()
    by_commune: dict[str, list[tuple[str, str]]] = {}
    for insee, stop_id, name, confirmed in stops:
        by_commune.setdefault(insee, []).append((stop_id, shown_name(name, confirmed)))
    return tuple(
        CommuneListing(
            insee, name, tuple(by_commune.get(insee, [])),
            _passages(ctx, and_(Stop.commune_insee == insee, ScheduleSlot.day >= day),
                      limit=limit),
        )
        for insee, name in communes
    )


def today_passages(ctx: Context, today: dt.date | None = None) -> tuple[Passage, ...]:
    """Every half-day planned today (morning first): where the bus should open."""
    day = today or ctx.now().date()
    return _passages(ctx, ScheduleSlot.day == day, limit=2)


@dataclass(frozen=True)
class ClosingCheck:
    """What closing the open stopover would do, asked before the animatrice confirms."""

    stopover: StopoverInfo | None
    waiting: int  # waiting or called and not come: they will be counted "non reçus"
    in_service: tuple[int, ...]  # visits in progress: they block the closing
    # left open after its day (domain.left_open): the closing will be recorded at this
    # moment, its true end, not now
    left_open_until: dt.datetime | None = None


def closing_check(ctx: Context) -> ClosingCheck:
    now = ctx.now()
    with ctx.read() as session:
        stopover_id = session.scalar(select(Stopover.id).where(Stopover.closed_at.is_(None)))
        if stopover_id is None:
            return ClosingCheck(None, 0, ())
        rows = session.execute(
            select(Ticket.number, Ticket.state)
            .where(Ticket.stopover_id == stopover_id,
                   Ticket.state.in_([State.WAITING, State.CALLED, State.IN_SERVICE]))
            .order_by(Ticket.number)
        ).all()
        info = stopover_info(session, stopover_id)
        stopover = session.get(Stopover, stopover_id)
        assert stopover is not None
        closing = closing_moment(session, stopover, now)
    return ClosingCheck(info, sum(1 for _n, s in rows if s != State.IN_SERVICE),
                        tuple(n for n, s in rows if s == State.IN_SERVICE),
                        closing if closing != now else None)


@dataclass(frozen=True)
class OrganismCount:
    operator_id: str
    visitors: int
    served: int


@dataclass(frozen=True)
class StopoverSummary:
    """A half-day's figures, as shown at its closing and printed: one stopover, counted by the
    same rules as kiosk.reports.statistics (a visitor is a ticket; the wait runs from taking to the
    first call, for those called; a ticket withdrawn by its visitor is no visit)."""

    stopover: StopoverInfo
    visitors: int
    served: int
    absent: int
    cancelled: int
    unserved: int
    still_open: int  # waiting, called or in progress (the stopover is still open)
    by_organism: tuple[OrganismCount, ...]  # most visitors first
    wait_count: int
    wait_mean_minutes: float | None
    wait_max_minutes: float | None
    demandes: int
    by_outcome: tuple[tuple[str, int], ...]  # (outcome code, demandes), vocabulary order


def last_closed_stopover(ctx: Context) -> int | None:
    """The stopover closed most recently: the console's "Dernière demi-journée"."""
    with ctx.read() as session:
        return session.scalar(
            select(Stopover.id).where(Stopover.closed_at.is_not(None))
            .order_by(Stopover.closed_at.desc(), Stopover.id.desc()).limit(1))


def stopover_summary(ctx: Context, stopover_id: int) -> StopoverSummary:
    """Two grouped queries on one stopover's tickets (index on stopover_id): cheap at closing."""
    with ctx.read() as session:
        info = stopover_info(session, stopover_id)
        rows = session.execute(
            select(Ticket.operator_id, Ticket.state, func.count(),
                   func.count(COUNTED_WAIT), func.coalesce(func.sum(COUNTED_WAIT), 0),
                   func.max(COUNTED_WAIT))
            .where(Ticket.stopover_id == stopover_id)
            .group_by(Ticket.operator_id, Ticket.state)
        ).all()
        outcomes: dict[str, int] = {outcome: n for outcome, n in session.execute(
            select(Demande.outcome, func.count())
            .join(Ticket, Ticket.id == Demande.ticket_id)
            .where(Ticket.stopover_id == stopover_id)
            .group_by(Demande.outcome)
        )}
    states: dict[str, int] = {}
    organisms: dict[str, list[int]] = {}
    wait_count = wait_total = 0
    wait_max: int | None = None
    for operator_id, state, n, waits, total, longest in rows:
        states[state] = states.get(state, 0) + n
        if state == State.WITHDRAWN:  # taken by mistake and withdrawn at once: not a visit
            continue
        counts = organisms.setdefault(operator_id, [0, 0])
        counts[0] += n
        counts[1] += n if state == State.DONE else 0
        wait_count += waits
        wait_total += int(total)
        if longest is not None:
            wait_max = max(wait_max or 0, int(longest))
    return StopoverSummary(
        stopover=info,
        visitors=sum(n for state, n in states.items() if state != State.WITHDRAWN),
        served=states.get(State.DONE, 0),
        absent=states.get(State.NO_SHOW, 0),
        cancelled=states.get(State.CANCELLED, 0),
        unserved=states.get(State.UNSERVED, 0),
        still_open=sum(states.get(s, 0) for s in (State.WAITING, State.CALLED, State.IN_SERVICE)),
        by_organism=tuple(OrganismCount(k, v[0], v[1]) for k, v in
                          sorted(organisms.items(), key=lambda item: (-item[1][0], item[0]))),
        wait_count=wait_count,
        wait_mean_minutes=wait_total / wait_count / 60 if wait_count else None,
        wait_max_minutes=wait_max / 60 if wait_max is not None else None,
        demandes=sum(outcomes.values()),
        by_outcome=tuple((o, outcomes[o]) for o in OUTCOMES if outcomes.get(o)),
    )
