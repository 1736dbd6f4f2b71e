"""Statistics read models: the coordinator's indicators for a period, computed by the database.

Every figure comes from a few grouped SQL queries (GROUP BY, CASE, window functions) over the
tickets of the stopovers whose day falls in the period (the `stopovers.day` index, then tickets by
`stopover_id`). Python only rolls up aggregate rows: one per stopover (a few hundred a year), one
per profile combination, one per procedure and outcome. The JSON contract of `Report.as_json()`
is docs/statistics-json.md; the CLI, the exporters and the console's screen all read it.

Identical on SQLite and PostgreSQL, by construction:
- durations are integer seconds summed in SQL; means are divided in Python with Decimal and
  rounded half-up to 1 decimal, so both backends print the same digits;
- percentiles use one portable definition, the nearest rank on integer seconds: the value of rank
  ceil(q·n) in ascending order, found with ROW_NUMBER() and COUNT(*) windows as the smallest value
  whose rank r satisfies r·den >= num·n (integer arithmetic, no percentile_cont);
- hours, weekdays and months come from `calendar_key`, which writes strftime for SQLite and
  EXTRACT for PostgreSQL and yields the same integers (weekday 1 = Monday … 7 = Sunday).

Wait buckets are half-open in seconds: 0-5 is [0, 300), 5-10 [300, 600), 10-20 [600, 1200),
20-30 [1200, 1800), 30+ is 1800 s and more; `over_30_share` counts that last bucket.

`demande_rows()` streams the anonymous rows of the CSV/XLSX exports: one row per demande joined
with its visit, PLUS one row per visit that has no demande (absent, cancelled, unserved, in
progress) with the demande fields empty (`outcome` is None), so that the file also counts the
visits that ended without a demande. The number of rows is therefore
`demandes + (visits - served)` whenever every served visit holds at least one demande.

Its size: the Report and the queries that fill it, kept together because each figure's definition
(docs/statistics-json.md) is read in one place; periods, rows and the stop review are in their own
modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from db.models import Commune, Demande, ReturnPass, Stop, Stopover, Ticket
from kiosk import french
from kiosk.core.context import Context
from kiosk.core.views import COUNTED_SERVICE, COUNTED_WAIT
from kiosk.domain import ACTIVE_STATES, Outcome, State
from kiosk.errors import KioskError
from kiosk.reports.feedback import FeedbackReport, StopoverPlace, answers_by_stopover, summarise
from kiosk.reports.periods import Period
from kiosk.vocabulary import (
    AGE_BANDS,
    CHANNELS,
    GENDERS,
    HALVES,
    LANGUAGES,
    NOT_RECORDED,
    OUTCOMES,
    RESIDENCE_ANSWERS,
    RESIDENCE_OTHER,
    RESIDENCE_UNSAID,
)

WAIT, SERVICE = COUNTED_WAIT, COUNTED_SERVICE  # waits and visits that crossed days left out

WAIT_BUCKETS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0-5", "0 à 5 min", 0, 300),
    ("5-10", "5 à 10 min", 300, 600),
    ("10-20", "10 à 20 min", 600, 1200),
    ("20-30", "20 à 30 min", 1200, 1800),
    ("30+", "plus de 30 min", 1800, None),
)
OVER_30_SECONDS = 1800

RESIDENCE_VS_STOP: tuple[tuple[str | None, str], ...] = (
    ("same", "habite la commune de l'arrêt"),
    ("other", "autre commune de l'agglomération"),
    ("outside", "hors agglomération"),
    ("unsaid", "non dit"),
    (None, NOT_RECORDED),
)
NO_PARTNER = "partenaire non précisé"


# ---------------------------------------------------------------- SQL pieces


def calendar_key(column: Any, part: Literal["hour", "weekday", "month", "year"],
                 dialect: str) -> ColumnElement[int]:
    """The same integer on both backends: hour 0-23, weekday 1 (Monday) to 7, month 1-12."""
    if dialect == "sqlite":
        code = {"hour": "%H", "weekday": "%w", "month": "%m", "year": "%Y"}[part]
        value = cast(func.strftime(code, column), Integer)
        if part == "weekday":  # strftime counts from Sunday = 0
            return (value + 6) % 7 + 1
        return value
    field_name = {"hour": "hour", "weekday": "isodow", "month": "month", "year": "year"}[part]
    return cast(extract(field_name, column), Integer)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _percentile_rank(rank: ColumnElement[int], count: ColumnElement[int],
                     num: int, den: int) -> ColumnElement[bool]:
    """rank >= ceil(num/den · count), in integers: rank·den >= num·count."""
    return rank * den >= count * num


@dataclass(frozen=True)
class Scope:
    """The stopovers of the period (and commune): every query starts from them."""

    period: Period
    commune: str | None

    def stopover_filter(self) -> list[ColumnElement[bool]]:
        conditions = [Stopover.day >= self.period.start, Stopover.day <= self.period.end]
        if self.commune is not None:
            conditions.append(Stopover.stop_id.in_(
                select(Stop.id).where(Stop.commune_insee == self.commune).scalar_subquery()))
        return conditions

    def stopover_ids(self) -> Any:
        return select(Stopover.id).where(*self.stopover_filter()).scalar_subquery()

    def tickets(self) -> ColumnElement[bool]:
        # a ticket withdrawn at once by the visitor was a mistaken tap, not a visit
        return and_(Ticket.stopover_id.in_(self.stopover_ids()), Ticket.state != State.WITHDRAWN)


# ---------------------------------------------------------------- results


def _minutes(seconds: int | None, count: int = 1) -> float | None:
    """Seconds (a total over `count`) as minutes, 1 decimal rounded half-up: exact and the same
    whatever the backend."""
    if seconds is None or count == 0:
        return None
    value = Decimal(seconds) / Decimal(count * 60)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _ratio(part: int, whole: int, places: str = "0.001") -> float | None:
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP))


@dataclass(frozen=True)
class Counts:
    """Visit counts of a group of stopovers; adding two gives the counts of both."""

    visits: int = 0
    served: int = 0
    absent: int = 0
    cancelled: int = 0
    unserved: int = 0
    in_progress: int = 0
    demandes: int = 0
    solved: int = 0
    redirected: int = 0
    follow_up: int = 0
    stopovers: int = 0
    wait_count: int = 0
    wait_seconds: int = 0
    service_count: int = 0
    service_seconds: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def visitors_per_half_day(self) -> float | None:
        return _ratio(self.visits, self.stopovers, "0.1")

    @property
    def wait_mean_minutes(self) -> float | None:
        return _minutes(self.wait_seconds, self.wait_count)

    def as_json(self) -> dict[str, Any]:
        return {
            "visits": self.visits, "served": self.served, "absent": self.absent,
            "cancelled": self.cancelled, "unserved": self.unserved,
            "in_progress": self.in_progress, "demandes": self.demandes,
            "stopovers": self.stopovers, "visitors_per_half_day": self.visitors_per_half_day,
            "wait_mean_minutes": self.wait_mean_minutes,
        }


@dataclass(frozen=True)
class Durations:
    """Wait or service durations in integer seconds; percentiles by nearest rank."""

    count: int = 0
    total_seconds: int = 0
    median_seconds: int | None = None
    p90_seconds: int | None = None
    max_seconds: int | None = None
    over_30: int = 0

    @property
    def mean_minutes(self) -> float | None:
        return _minutes(self.total_seconds, self.count)

    def wait_json(self) -> dict[str, Any]:
        return {"count": self.count, "mean_minutes": self.mean_minutes,
                "median_minutes": _minutes(self.median_seconds),
                "p90_minutes": _minutes(self.p90_seconds),
                "max_minutes": _minutes(self.max_seconds),
                "over_30_share": _ratio(self.over_30, self.count)}

    def service_json(self) -> dict[str, Any]:
        return {"count": self.count, "mean_minutes": self.mean_minutes,
                "median_minutes": _minutes(self.median_seconds),
                "p90_minutes": _minutes(self.p90_seconds),
                "max_minutes": _minutes(self.max_seconds)}


@dataclass(frozen=True)
class Headline:
    """The figures compared across periods (the previous one and the year before)."""

    period: Period
    counts: Counts
    wait_median_seconds: int | None

    def as_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            **self.period.as_json(),
            "visits": c.visits, "served": c.served, "absent": c.absent,
            "cancelled": c.cancelled, "unserved": c.unserved, "in_progress": c.in_progress,
            "demandes": c.demandes, "solved": c.solved, "redirected": c.redirected,
            "follow_up": c.follow_up, "stopovers": c.stopovers,
            "visitors_per_half_day": c.visitors_per_half_day,
            "wait_mean_minutes": c.wait_mean_minutes,
            "wait_median_minutes": _minutes(self.wait_median_seconds),
        }


@dataclass(frozen=True)
class Group:
    """A row of a visits breakdown (commune, stop, half, month, weekday)."""

    key: str | None
    label: str
    counts: Counts
    commune: str | None = None  # by_stop only: the stop's commune
    peak_queue_max: int | None = None  # by_stop only: its largest queue over the period

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "label": self.label}
        if self.commune is not None:
            data["commune"] = self.commune
        data.update(self.counts.as_json())
        if self.peak_queue_max is not None:
            data["peak_queue_max"] = self.peak_queue_max
        return data


@dataclass(frozen=True)
class Tally:
    """A row of a simple breakdown: a key, its label and one count (`unit` names it in JSON)."""

    key: str | None
    label: str
    count: int
    unit: str = "visits"
    extra: tuple[tuple[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, self.unit: self.count, **dict(self.extra)}


@dataclass(frozen=True)
class DemandeTally:
    key: str | None
    label: str
    demandes: int
    solved: int
    redirected: int
    follow_up: int
    operator: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "label": self.label}
        if self.operator is not None:
            data["operator"] = self.operator
        data.update(demandes=self.demandes, solved=self.solved, redirected=self.redirected,
                    follow_up=self.follow_up)
        return data


@dataclass(frozen=True)
class ServiceRow:
    key: str
    label: str
    durations: Durations

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "visits": self.durations.count,
                "mean_minutes": self.durations.mean_minutes,
                "p90_minutes": _minutes(self.durations.p90_seconds)}


@dataclass(frozen=True)
class StopoverRow:
    id: int
    day: dt.date
    half: str
    stop_id: str
    stop_label: str
    commune_insee: str
    commune: str
    counts: Counts
    peak_queue: int

    def as_json(self) -> dict[str, Any]:
        c = self.counts
        return {"id": self.id, "day": self.day.isoformat(), "half": self.half,
                "stop": self.stop_id, "stop_label": self.stop_label, "commune": self.commune,
                "insee": self.commune_insee, "visits": c.visits, "served": c.served,
                "absent": c.absent, "cancelled": c.cancelled, "unserved": c.unserved,
                "in_progress": c.in_progress, "demandes": c.demandes,
                "wait_mean_minutes": c.wait_mean_minutes, "peak_queue": self.peak_queue}


class ReturnTally(NamedTuple):
    given: int
    came_back: int


@dataclass(frozen=True)
class Report:
    period: Period
    commune: tuple[str, str] | None  # (INSEE, name) when filtered
    generated_at: dt.datetime
    totals: Counts
    wait: Durations
    service: Durations
    previous: Headline
    year_before: Headline
    by_commune: tuple[Group, ...]
    by_stop: tuple[Group, ...]
    by_half: tuple[Group, ...]
    by_month: tuple[Group, ...]
    by_weekday: tuple[Group, ...]
    by_hour: tuple[Tally, ...]
    by_channel: tuple[Tally, ...]
    by_language: tuple[Tally, ...]
    wait_buckets: tuple[Tally, ...]
    demandes_by_operator: tuple[DemandeTally, ...]
    demandes_by_procedure: tuple[DemandeTally, ...]
    demandes_by_outcome: tuple[Tally, ...]
    redirected_to: tuple[Tally, ...]
    service_by_operator: tuple[ServiceRow, ...]
    age_band: tuple[Tally, ...]
    gender: tuple[Tally, ...]
    residence: tuple[Tally, ...]
    residence_vs_stop: tuple[Tally, ...]
    stopovers: tuple[StopoverRow, ...] = field(default=())
    withdrawn: int = 0  # tickets withdrawn at once by the visitor: not visits, counted apart
    # "Votre avis" answers per commune and stop, beside the visits served (kiosk/reports/feedback.py)
    feedback: FeedbackReport = field(default_factory=lambda: summarise((), {}))
    # return passes given to the unserved at the period's closings, and how many came back
    returns: ReturnTally = field(default_factory=lambda: ReturnTally(0, 0))

    def as_json(self) -> dict[str, Any]:
        t = self.totals
        breakdowns = {
            name: [row.as_json() for row in getattr(self, name)]
            for name in ("by_commune", "by_stop", "by_half", "by_month", "by_weekday",
                         "by_hour", "by_channel", "by_language", "wait_buckets",
                         "demandes_by_operator", "demandes_by_procedure",
                         "demandes_by_outcome", "redirected_to", "service_by_operator",
                         "age_band", "gender", "residence", "residence_vs_stop", "stopovers")
        }
        return {
            "period": {**self.period.as_json(),
                       "commune": self.commune[0] if self.commune else None,
                       "commune_label": self.commune[1] if self.commune else None},
            "generated_at": self.generated_at.isoformat(),
            "visits": t.visits, "served": t.served, "absent": t.absent,
            "cancelled": t.cancelled, "unserved": t.unserved, "in_progress": t.in_progress,
            "demandes": t.demandes, "solved": t.solved, "redirected": t.redirected,
            "follow_up": t.follow_up, "stopovers": t.stopovers,
            "visitors_per_half_day": t.visitors_per_half_day, "withdrawn": self.withdrawn,
            "wait": self.wait.wait_json(),
            "service": self.service.service_json(),
            "comparison": {"previous": self.previous.as_json(),
                           "year_before": self.year_before.as_json()},
            "breakdowns": breakdowns,
            "feedback": self.feedback.as_json(),
            "return_passes": {"given": self.returns.given,
                              "came_back": self.returns.came_back},
        }


# ---------------------------------------------------------------- queries


class _StopoverAggregate(NamedTuple):
    id: int
    day: dt.date
    half: str
    stop_id: str
    stop_label: str
    commune_insee: str
    commune: str
    month: int  # year * 100 + month
    weekday: int
    counts: Counts
    wait_max: int | None
    buckets: tuple[int, ...]


def _stopover_aggregates(session: Session, scope: Scope,
                         dialect: str) -> list[_StopoverAggregate]:
    """One row per stopover of the period with its visit counts and wait sums (one scan)."""
    state, wait = Ticket.state, WAIT
    month = (calendar_key(Stopover.day, "year", dialect) * 100
             + calendar_key(Stopover.day, "month", dialect))
    buckets = [
        _count_if(and_(wait >= low, wait < high) if high is not None else wait >= low)
        for _, _, low, high in WAIT_BUCKETS
    ]
    query = (
        select(Stopover.id, Stopover.day, Stopover.half, Stop.id, Stop.name, Commune.insee,
               Commune.name, month, calendar_key(Stopover.day, "weekday", dialect),
               func.count(Ticket.id),
               _count_if(state == State.DONE), _count_if(state == State.NO_SHOW),
               _count_if(state == State.CANCELLED), _count_if(state == State.UNSERVED),
               _count_if(state.in_(list(ACTIVE_STATES))),
               func.count(wait), func.coalesce(func.sum(wait), 0),
               func.count(SERVICE),
               func.coalesce(func.sum(SERVICE), 0),
               func.max(wait), *buckets)
        .select_from(Stopover)
        .join(Stop, Stop.id == Stopover.stop_id)
        .join(Commune, Commune.insee == Stop.commune_insee)
        .outerjoin(Ticket, and_(Ticket.stopover_id == Stopover.id,
                                Ticket.state != State.WITHDRAWN))
        .where(*scope.stopover_filter())
        .group_by(Stopover.id, Stopover.day, Stopover.half, Stop.id, Stop.name, Commune.insee,
                  Commune.name)
        .order_by(Stopover.day, Stopover.half.desc(), Stopover.id)  # morning first
    )
    demandes = {
        row[0]: row[1:] for row in session.execute(
            select(Ticket.stopover_id, func.count(Demande.id),
                   *(_count_if(Demande.outcome == o) for o in OUTCOMES))
            .select_from(Ticket).join(Demande, Demande.ticket_id == Ticket.id)
            .where(scope.tickets()).group_by(Ticket.stopover_id)
        )
    }
    result = []
    for row in session.execute(query):
        (sid, day, half, stop_id, stop_name, insee, commune, month_key, weekday, visits, served,
         absent, cancelled, unserved, active, wait_n, wait_s, service_n, service_s, wait_max,
         *bucket_counts) = row
        d = demandes.get(sid, (0, 0, 0, 0))
        counts = Counts(visits, served, absent, cancelled, unserved, active, d[0], d[1], d[2],
                        d[3], 1, wait_n, int(wait_s), service_n, int(service_s))
        result.append(_StopoverAggregate(sid, day, half, stop_id, stop_name, insee, commune,
                                         int(month_key), int(weekday), counts, wait_max,
                                         tuple(int(b) for b in bucket_counts)))
    return result


def _durations(session: Session, scope: Scope, column: Any,
               partition: Any = None) -> dict[Any, Durations]:
    """Count, sum, median, p90 and max of a duration column, by nearest rank, per partition."""
    key = partition if partition is not None else literal("all")
    ranked = (
        select(key.label("key"), column.label("value"),
               func.row_number().over(partition_by=key, order_by=column).label("rank"),
               func.count().over(partition_by=key).label("n"))
        .where(scope.tickets(), column.is_not(None))
        .subquery()
    )
    r = ranked.c
    query = select(
        r.key, func.count(), func.sum(r.value),
        func.min(case((_percentile_rank(r.rank, r.n, 1, 2), r.value))),
        func.min(case((_percentile_rank(r.rank, r.n, 9, 10), r.value))),
        func.max(r.value), _count_if(r.value >= OVER_30_SECONDS),
    ).group_by(r.key)
    return {
        row[0]: Durations(int(row[1]), int(row[2]), row[3], row[4], row[5], int(row[6]))
        for row in session.execute(query)
    }


def _peak_queues(session: Session, scope: Scope) -> dict[int, int]:
    """The most tickets waiting at once in each stopover: a running sum over +1 at taking and
    -1 at the first call (or at the end, for a ticket never called), -1 first at equal times."""
    left_at = func.coalesce(Ticket.first_called_at, Ticket.ended_at)
    events = union_all(
        select(Ticket.stopover_id.label("sid"), Ticket.taken_at.label("at"),
               literal(1).label("delta")).where(scope.tickets()),
        select(Ticket.stopover_id, left_at, literal(-1))
        .where(scope.tickets(), left_at.is_not(None)),
    ).subquery()
    running = select(
        events.c.sid,
        func.sum(events.c.delta).over(partition_by=events.c.sid,
                                      order_by=(events.c.at, events.c.delta),
                                      rows=(None, 0)).label("queue"),
    ).subquery()
    query = select(running.c.sid, func.max(running.c.queue)).group_by(running.c.sid)
    return {sid: max(0, int(peak or 0)) for sid, peak in session.execute(query)}


def resolve_commune(session: Session, commune: str | None) -> tuple[str, str] | None:
    if commune is None:
        return None
    name = session.scalar(select(Commune.name).where(Commune.insee == commune))
    if name is None:
        raise KioskError(
            f"--commune {commune} : commune inconnue (code INSEE, voir « kiosk itinerary list »).")
    return commune, name


def _headline(session: Session, period: Period, commune: str | None,
              dialect: str) -> Headline:
    scope = Scope(period, commune)
    total = sum((s.counts for s in _stopover_aggregates(session, scope, dialect)), Counts())
    wait = _durations(session, scope, WAIT).get("all", Durations())
    return Headline(period, total, wait.median_seconds)


def _roll_up(aggregates: Iterable[_StopoverAggregate],
             key: Any) -> dict[Any, Counts]:
    groups: dict[Any, Counts] = {}
    for s in aggregates:
        k = key(s)
        groups[k] = groups.get(k, Counts()) + s.counts
    return groups


def _operator_name(ctx: Context, operator_id: str) -> str:
    operator = ctx.catalogue.operator(operator_id)
    return operator.name if operator else operator_id


def _procedure_title(ctx: Context, procedure_id: str) -> str:
    procedure = ctx.catalogue.procedure(procedure_id)
    return procedure.title if procedure else procedure_id


def _ordered(codes: Iterable[str], counts: Mapping[str | None, int],
             labels: Mapping[str, str], unit: str = "visits") -> tuple[Tally, ...]:
    """Rows in the vocabulary's order, then unknown codes by key, then "non renseigné";
    empty rows left out."""
    known = list(codes)
    extra = sorted(k for k in counts if k is not None and k not in known)
    keys: list[str | None] = [*known, *extra, None]
    return tuple(Tally(k, labels.get(k, k) if k is not None else NOT_RECORDED, counts[k], unit)
                 for k in keys if counts.get(k))


def compute(ctx: Context, period: Period, commune: str | None = None) -> Report:
    """Every indicator of the period (optionally one commune, by INSEE code), with the headline
    figures of the previous period and of the same period a year earlier."""
    dialect = ctx.engine.dialect.name
    scope = Scope(period, commune)
    with ctx.read() as session:
        chosen = resolve_commune(session, commune)
        aggregates = _stopover_aggregates(session, scope, dialect)
        peaks = _peak_queues(session, scope)
        wait = _durations(session, scope, WAIT).get("all", Durations())
        service = _durations(session, scope, SERVICE).get("all", Durations())
        service_by_operator = _durations(session, scope, SERVICE,
                                         Ticket.operator_id)
        answers = answers_by_stopover(session, scope.stopover_ids())
        withdrawn = session.scalar(
            select(func.count()).select_from(Ticket)
            .where(Ticket.stopover_id.in_(scope.stopover_ids()),
                   Ticket.state == State.WITHDRAWN)) or 0
        # "Prioritaire au prochain passage": codes given at the period's closings, and used
        given, came_back = session.execute(
            select(func.count(ReturnPass.id), func.count(ReturnPass.used_at))
            .join(Ticket, Ticket.id == ReturnPass.ticket_id)
            .where(Ticket.stopover_id.in_(scope.stopover_ids()))).one()
        hours = session.execute(
            select(calendar_key(Ticket.taken_at, "hour", dialect).label("hour"), func.count(),
                   func.count(WAIT), func.coalesce(func.sum(WAIT), 0))
            .where(scope.tickets()).group_by("hour").order_by("hour")
        ).all()
        residence_class = case(
            (Ticket.residence.is_(None), None),
            (Ticket.residence == Stop.commune_insee, "same"),
            (Ticket.residence == RESIDENCE_OTHER, "outside"),
            (Ticket.residence == RESIDENCE_UNSAID, "unsaid"),
            else_="other",
        )
        profiles = session.execute(
            select(Ticket.channel, Ticket.language, Ticket.age_band, Ticket.gender,
                   Ticket.residence, residence_class, func.count())
            .select_from(Ticket)
            .join(Stopover, Stopover.id == Ticket.stopover_id)
            .join(Stop, Stop.id == Stopover.stop_id)
            .where(*scope.stopover_filter(), Ticket.state != State.WITHDRAWN)
            .group_by(Ticket.channel, Ticket.language, Ticket.age_band, Ticket.gender,
                      Ticket.residence, residence_class)
        ).all()
        partner = case((Demande.outcome == Outcome.REDIRECTED, Demande.partner))
        demandes = session.execute(
            select(Demande.operator_id, Demande.procedure_id, Demande.outcome, partner,
                   func.count())
            .select_from(Ticket).join(Demande, Demande.ticket_id == Ticket.id)
            .where(scope.tickets())
            .group_by(Demande.operator_id, Demande.procedure_id, Demande.outcome, partner)
        ).all()
        commune_names: dict[str, str] = {
            insee: name for insee, name in session.execute(select(Commune.insee, Commune.name))}
        previous = _headline(session, period.previous(), commune, dialect)
        year_before = _headline(session, period.year_before(), commune, dialect)

    totals = sum((s.counts for s in aggregates), Counts())

    # -- visits by place and time, rolled up from the stopovers' aggregate rows
    by_commune_counts = _roll_up(aggregates, lambda s: s.commune_insee)
    by_commune = tuple(sorted(
        # every commune of the itinerary, 0 included (an empty commune is a finding); only the
        # chosen one under a commune filter
        (Group(insee, name, by_commune_counts.get(insee, Counts()))
         for insee, name in commune_names.items() if commune in (None, insee)),
        key=lambda g: (g.label, g.key or "")))
    stop_counts = _roll_up(aggregates, lambda s: (s.stop_id, s.stop_label, s.commune))
    stop_peaks: dict[str, int] = {}
    for s in aggregates:
        stop_peaks[s.stop_id] = max(stop_peaks.get(s.stop_id, 0), peaks.get(s.id, 0))
    by_stop = tuple(sorted(
        (Group(stop_id, stop_label, counts, commune_name, stop_peaks[stop_id])
         for (stop_id, stop_label, commune_name), counts in stop_counts.items()),
        key=lambda g: (g.commune or "", g.label, g.key or "")))
    half_counts = _roll_up(aggregates, lambda s: s.half)
    by_half = tuple(Group(h, HALVES[h], half_counts[h]) for h in HALVES if h in half_counts)
    month_counts = _roll_up(aggregates, lambda s: s.month)
    by_month = tuple(
        Group(f"{m // 100:04d}-{m % 100:02d}",
              f"{french.month_names()[m % 100 - 1]} {m // 100}", month_counts[m])
        for m in sorted(month_counts))
    weekday_counts = _roll_up(aggregates, lambda s: s.weekday)
    by_weekday = tuple(Group(str(w), french.weekday_names()[w - 1], weekday_counts[w])
                       for w in sorted(weekday_counts))
    stopovers = tuple(
        StopoverRow(s.id, s.day, s.half, s.stop_id, s.stop_label, s.commune_insee, s.commune,
                    s.counts, peaks.get(s.id, 0))
        for s in aggregates)
    by_hour = tuple(
        Tally(f"{hour:02d}", f"{hour} h – {hour + 1} h", int(n), "visits",
              (("wait_mean_minutes", _minutes(int(wait_s), int(wait_n))),))
        for hour, n, wait_n, wait_s in hours)
    bucket_totals = [sum(s.buckets[i] for s in aggregates) for i in range(len(WAIT_BUCKETS))]
    wait_buckets = tuple(Tally(key, text, bucket_totals[i])
                         for i, (key, text, _, _) in enumerate(WAIT_BUCKETS))

    # -- profile breakdowns, rolled up from one grouped query
    tallies: dict[str, dict[Any, int]] = {name: {} for name in (
        "channel", "language", "age_band", "gender", "residence", "vs_stop")}
    for channel, language, age, gender, residence, vs_stop, n in profiles:
        for name, value in (("channel", channel), ("language", language), ("age_band", age),
                            ("gender", gender), ("residence", residence),
                            ("vs_stop", vs_stop)):
            tallies[name][value] = tallies[name].get(value, 0) + n
    residence_labels = {**commune_names, **RESIDENCE_ANSWERS}
    residence_codes = [insee for insee, _ in sorted(commune_names.items(), key=lambda i: i[1])]
    residence_codes += list(RESIDENCE_ANSWERS)

    # -- demandes, rolled up from one grouped query
    by_operator: dict[str, list[int]] = {}
    by_procedure: dict[str, list[int]] = {}
    by_outcome: dict[str, int] = {}
    redirected: dict[str | None, int] = {}
    outcome_index = {o: i for i, o in enumerate(OUTCOMES, 1)}
    procedure_operator: dict[str, str] = {}
    for operator_id, procedure_id, outcome, partner_name, n in demandes:
        for table, key in ((by_operator, operator_id), (by_procedure, procedure_id)):
            row = table.setdefault(key, [0, 0, 0, 0])
            row[0] += n
            row[outcome_index[outcome]] += n
        procedure_operator[procedure_id] = operator_id
        by_outcome[outcome] = by_outcome.get(outcome, 0) + n
        if outcome == Outcome.REDIRECTED:
            redirected[partner_name] = redirected.get(partner_name, 0) + n

    feedback = summarise((StopoverPlace(s.id, s.commune_insee, s.commune, s.stop_id,
                                        s.stop_label, s.counts.served) for s in aggregates),
                         answers)

    return Report(
        withdrawn=int(withdrawn), feedback=feedback,
        returns=ReturnTally(int(given or 0), int(came_back or 0)),
        period=period, commune=chosen, generated_at=ctx.now(), totals=totals, wait=wait,
        service=service, previous=previous, year_before=year_before,
        by_commune=by_commune, by_stop=by_stop, by_half=by_half, by_month=by_month,
        by_weekday=by_weekday, by_hour=by_hour,
        by_channel=_ordered(CHANNELS, tallies["channel"], CHANNELS),
        by_language=_ordered(LANGUAGES, tallies["language"], LANGUAGES),
        wait_buckets=wait_buckets,
        demandes_by_operator=tuple(
            DemandeTally(k, _operator_name(ctx, k), v[0], v[1], v[2], v[3])
            for k, v in sorted(by_operator.items())),
        demandes_by_procedure=tuple(
            DemandeTally(k, _procedure_title(ctx, k), v[0], v[1], v[2], v[3],
                         operator=_operator_name(ctx, procedure_operator[k]))
            for k, v in sorted(by_procedure.items())),
        demandes_by_outcome=tuple(Tally(o, OUTCOMES[o], by_outcome[o], "demandes")
                                  for o in OUTCOMES if by_outcome.get(o)),
        redirected_to=tuple(
            Tally(k, k if k is not None else NO_PARTNER, redirected[k], "demandes")
            for k in sorted(redirected, key=lambda p: (p is None, p or ""))),
        service_by_operator=tuple(
            ServiceRow(k, _operator_name(ctx, k), d)
            for k, d in sorted(service_by_operator.items())),
        age_band=_ordered(AGE_BANDS, tallies["age_band"], AGE_BANDS),
        gender=_ordered(GENDERS, tallies["gender"], GENDERS),
        residence=_ordered(residence_codes, tallies["residence"], residence_labels),
        residence_vs_stop=tuple(
            Tally(k, text, tallies["vs_stop"][k]) for k, text in RESIDENCE_VS_STOP
            if tallies["vs_stop"].get(k)),
        stopovers=stopovers,
    )


def stopover_rows(ctx: Context, period: Period) -> tuple[StopoverRow, ...]:
    """One row per stopover of the period with its counts and largest queue, without the rest
    of the report: what the itinerary's review (`kiosk itinerary review`) and the expected
    attendance of a planned half-day roll up by stop, weekday and month."""
    dialect = ctx.engine.dialect.name
    scope = Scope(period, None)
    with ctx.read() as session:
        aggregates = _stopover_aggregates(session, scope, dialect)
        peaks = _peak_queues(session, scope)
    return tuple(
        StopoverRow(s.id, s.day, s.half, s.stop_id, s.stop_label, s.commune_insee, s.commune,
                    s.counts, peaks.get(s.id, 0))
        for s in aggregates)

