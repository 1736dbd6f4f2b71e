"""The anonymous rows of a period, one per demande (and one per visit without demande), streamed for
the CSV and the XLSX exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import (
    Select,
    and_,
    select,
)

from db.models import Commune, Demande, Stop, Stopover, Ticket
from kiosk.core.context import Context
from kiosk.domain import State
from kiosk.reports.periods import Period
from kiosk.reports.statistics import Scope, resolve_commune


class DemandeRow(NamedTuple):
    """One anonymous row of the exports: a demande with its visit's fields, or a visit without
    demande (then operator, procedure, outcome and partner are None). A named tuple: the
    exporters stream up to a million of them."""

    stopover_id: int
    day: dt.date
    half: str
    commune_insee: str
    commune: str
    stop_id: str
    stop: str
    number: int
    taken_at: dt.datetime
    first_called_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    wait_seconds: int | None
    service_seconds: int | None
    channel: str | None
    language: str
    priority: bool
    state: str
    ticket_operator: str  # what the visitor chose at the kiosk
    ticket_procedure: str
    operator: str | None  # what the demande was about (None: visit without demande)
    procedure: str | None
    outcome: str | None
    partner: str | None
    age_band: str | None
    gender: str | None
    residence: str | None


def demande_rows(ctx: Context, period: Period, commune: str | None = None,
                 batch: int = 2000) -> Iterator[DemandeRow]:
    """Stream the export rows of the period in order of day, half-day (morning first), ticket
    number and demande; the database sends them `batch` at a time (a server-side cursor on
    PostgreSQL), so a million rows never sit in memory together."""
    scope = Scope(period, commune)
    query: Select[Any] = (
        select(Stopover.id, Stopover.day, Stopover.half, Commune.insee, Commune.name, Stop.id,
               Stop.name, Ticket.number, Ticket.taken_at, Ticket.first_called_at,
               Ticket.started_at, Ticket.ended_at, Ticket.wait_seconds,
               Ticket.service_seconds, Ticket.channel, Ticket.language, Ticket.priority,
               Ticket.state, Ticket.operator_id, Ticket.procedure_id, Demande.operator_id,
               Demande.procedure_id, Demande.outcome, Demande.partner, Ticket.age_band,
               Ticket.gender, Ticket.residence)
        .select_from(Stopover)
        .join(Stop, Stop.id == Stopover.stop_id)
        .join(Commune, Commune.insee == Stop.commune_insee)
        .join(Ticket, and_(Ticket.stopover_id == Stopover.id, Ticket.state != State.WITHDRAWN))
        .outerjoin(Demande, Demande.ticket_id == Ticket.id)
        .where(*scope.stopover_filter())
        .order_by(Stopover.day, Stopover.half.desc(), Stopover.id, Ticket.number, Demande.id)
        .execution_options(yield_per=batch)
    )
    with ctx.read() as session:
        resolve_commune(session, commune)
        for row in session.execute(query):
            yield DemandeRow._make((*row[:16], bool(row[16]), *row[17:]))


DEMANDE_FIELDS: tuple[str, ...] = DemandeRow._fields
