"""A stopover (a half-day at a stop): the database set up, a stopover opened, closed, or its opening
undone."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.engine import upgrade
from db.models import (
    Commune,
    Desk,
    Event,
    QueueRevision,
    ScheduleSlot,
    Stop,
    Stopover,
    Ticket,
)
from kiosk import domain, french
from kiosk.content.itinerary import load_itinerary
from kiosk.content.planning import closures_path
from kiosk.core.context import Context
from kiosk.core.services.record import (
    InitReport,
    StopoverClosed,
    StopoverInfo,
    _open_stopover,
    closing_moment,
    half_of,
    left_open_error,
    log_event,
    stopover_info,
)
from kiosk.domain import Half, State
from kiosk.errors import (
    KioskError,
    StopoverAlreadyOpen,
    StopoverWasClosed,
    UnknownStop,
    VisitsInProgress,
)


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


# The event a restore writes for a half-day whose numbers went further than the copy's: its
# detail holds the stop, day, half and last number. With no stopover_id (the copy lacks the
# stopover), the next opening of that half-day starts after it (kiosk/core/restore.py).
NUMBERING_KEPT = "numbering_kept"


def kept_number(detail: str | None) -> tuple[tuple[str, str, str], int] | None:
    """The (stop, ISO day, half) and last number of a NUMBERING_KEPT event's detail (None: a
    line someone broke)."""
    try:
        kept = json.loads(detail or "{}")
        day = dt.date.fromisoformat(str(kept["day"])).isoformat()
        return (str(kept["stop"]), day, str(kept["half"])), int(kept["last_number"])
    except (ValueError, KeyError, TypeError):
        return None


def numbering_kept(session: Session, stop_id: str, day: dt.date, half: str) -> int:
    """The last number handed out in this half-day before a restore dropped its stopover."""
    found = (kept_number(detail) for detail in session.scalars(
        select(Event.detail).where(Event.kind == NUMBERING_KEPT, Event.stopover_id.is_(None))))
    return max((last for key, last in filter(None, found)
                if key == (stop_id, day.isoformat(), half)), default=0)


def open_stopover(ctx: Context, stop_id: str, half: str | None = None,
                  day: dt.date | None = None, reopen: bool = False) -> StopoverInfo:
    """Open the bus at a stop for a half-day. Only one stopover is open at a time. A half-day
    closed already is reopened only when asked by name (`reopen`; else StopoverWasClosed): its
    numbering continues, as it does for one that a restore dropped: a number is never given
    twice."""
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
        if current is not None and domain.left_open(current.day, now):
            raise left_open_error(session, current.id)
        if current is not None:
            info = stopover_info(session, current)
            raise StopoverAlreadyOpen(info.stop_name, info.day.isoformat(),
                                      domain.HALF_LABELS[Half(info.half)])
        stopover = session.scalars(
            select(Stopover).where(Stopover.stop_id == stop_id, Stopover.day == day,
                                   Stopover.half == half)
        ).first()
        if stopover is None:
            last = numbering_kept(session, stop_id, day, half)
            stopover = Stopover(stop_id=stop_id, day=day, half=half, opened_at=now,
                                last_number=last)
            session.add(stopover)
            session.flush()
            # the number it starts from, for undo_open_stopover (only when a restore left one)
            log_event(session, ctx, "stopover_opened", stopover_id=stopover.id, stop=stop_id,
                      **({"last_number": last} if last else {}))
        else:
            if stopover.closed_at is not None and not reopen:
                info = stopover_info(session, stopover)
                raise StopoverWasClosed(
                    f"{info.commune_name} – {info.stop_name}",
                    f"{french.day_and_month(info.day)}, {domain.HALF_LABELS[Half(info.half)]}",
                    french.time_of_day(stopover.closed_at))
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
    with ctx.write() as session:
        stopover = _open_stopover(session)
        # left open after its day: closed at its true end, not a week later
        asked = ctx.now()
        now = closing_moment(session, stopover, asked)
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
        late: dict[str, Any] = {} if now == asked else {
            "left_open": True, "closed_at": now.isoformat(timespec="seconds")}
        log_event(session, ctx, "stopover_closed", stopover_id=stopover.id, unserved=len(left),
                  served=served, **late)
        session.flush()
        return StopoverClosed(stopover_info(session, stopover), unserved=len(left), served=served,
                              left_open=now != asked)


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
        numbers_before = int(detail.get("last_number", 0))
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
