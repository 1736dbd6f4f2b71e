"""A realistic, reproducible synthetic history of visits, for the statistics (`kiosk seed-history`,
`make demo`, the benchmarks).

It plays the bus's real calendar over the real communes and stops of the database: Monday to
Thursday mornings (8:00-13:00) outside Martinique's public holidays, one stopover per morning, the
stops in rotation. Each morning is simulated as a queue: arrivals peaking around 9-10 h, two to
four desks, service times drawn around the catalogue's typical minutes, so the wait grows with the
number of people ahead; some visitors cancel, some are absent when called, crowded mornings leave a
few unserved at closing. It writes what the services would have written, phase by phase, but no
per-ticket event: the event log is the audit of real actions, so the seed leaves one
`history_seeded` line.

The same arguments and seed give the same rows: every draw comes from `random.Random` seeded by
the seed (and the day and stop, for a morning), and nothing iterates over a set or an unordered
query. Rows go in by bulk `executemany` (COPY on PostgreSQL) in chunks of whole stopovers, each
chunk one transaction, with primary keys allocated from max(id) + 1 so that demandes can point at
their ticket without RETURNING; PostgreSQL's sequences are moved past them in the same transaction.

Its size: one simulation of a bus's year (arrivals, desks, outcomes, profiles) that only makes
sense read whole.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update

from db.models import (
    Commune,
    Demande,
    Desk,
    Event,
    Feedback,
    QueueRevision,
    Stop,
    Stopover,
    Ticket,
)
from kiosk import french
from kiosk.content.catalogue import Catalogue
from kiosk.core.context import Context
from kiosk.domain import Half, Outcome, State
from kiosk.errors import KioskError
from kiosk.reports.periods import FIRST_DAY, LAST_DAY
from kiosk.vocabulary import (
    AGE_BANDS,
    CHANNELS,
    FEEDBACK_ANSWERS,
    GENDERS,
    RESIDENCE_OTHER,
    RESIDENCE_UNSAID,
)

MAX_VISITS = 5_000_000
# The bus of 2018 received about 6,000 visits a quarter; the default period gives each morning
# about this many visitors.
DEFAULT_PER_MORNING = 50
# Tickets per transaction: large enough for executemany to stream, small enough to keep memory flat.
CHUNK_TICKETS = 20_000

OPENING = dt.time(8, 0)
LAST_ARRIVAL_SECONDS = 4 * 3600 + 30 * 60  # tickets are taken until 12:30
CLOSING_SECONDS = 5 * 3600  # no call after 13:00

# Busier months (the January and back-to-school rushes, calmer holidays) and busier Mondays.
MONTH_FACTOR = (1.25, 1.05, 1.05, 1.0, 0.95, 1.0, 0.75, 0.65, 1.3, 1.25, 1.05, 0.85)
WEEKDAY_FACTOR = (1.25, 1.0, 0.95, 0.9)

# Share of the visits by operator: CAF, France Travail, CGSS and taxes bring most people.
OPERATOR_WEIGHT = {
    "caf": 22.0, "france-travail": 16.0, "cgss": 16.0, "impots": 12.0, "retraite": 7.0,
    "ants": 8.0, "numerique": 6.0, "edf": 3.0, "eau": 3.0, "energie": 2.0, "mmph": 3.0,
    "autre": 2.0,
}
OTHER_OPERATOR_WEIGHT = 2.0
# Where an animatrice sends a visitor she could not help on the spot.
PARTNER_OF_OPERATOR = {
    "caf": "CAF", "france-travail": "France Travail", "cgss": "CGSS", "retraite": "CGSS",
    "impots": "DGFiP", "ants": "Mairie", "mmph": "MMPH", "edf": "EDF", "eau": "SME",
    "energie": "CCAS", "numerique": "Mairie",
}
OTHER_PARTNERS = ("Mairie", "CCAS", "CAF", "CGSS", "France Travail", "DGFiP")

# weights of the vocabulary's age bands, youngest first: the bus's visitors are older than most
AGE_WEIGHTS = dict(zip(AGE_BANDS, (8.0, 18.0, 22.0, 30.0, 22.0), strict=True))
GENDER_WEIGHTS = tuple(zip(GENDERS, (60.0, 39.0, 1.0), strict=True))
CHANNEL_WEIGHTS = tuple(zip(CHANNELS, (85.0, 13.0, 2.0), strict=True))  # kiosk, console, cli
# "Votre avis" on the way out: about one visitor received in three taps a face, mostly content
# (France Services networks report satisfaction above 90 %)
FEEDBACK_SHARE = 0.3
FEEDBACK_WEIGHTS = tuple(zip(FEEDBACK_ANSWERS, (84.0, 12.0, 4.0), strict=True))


@dataclass(frozen=True)
class SeedReport:
    visits: int
    demandes: int
    stopovers: int
    start: dt.date
    end: dt.date
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {"visits": self.visits, "demandes": self.demandes, "stopovers": self.stopovers,
                "from": self.start.isoformat(), "to": self.end.isoformat(),
                "seconds": round(self.seconds, 2)}


# ---------------------------------------------------------------- the calendar


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[dt.date]:
    # the bus calendar's own days off (kiosk/content/planning.py: the holidays library's public holidays
    # of Martinique and the carnival days), so that the history never has a morning the planner
    # would refuse
    from kiosk.content.planning import days_off

    return frozenset(days_off(dt.date(year, 1, 1), dt.date(year, 12, 31)))


def is_working_morning(day: dt.date) -> bool:
    """The bus works Monday to Thursday mornings, outside public holidays and carnival."""
    return day.weekday() < 4 and day not in _days_off(day.year)


def working_mornings(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if is_working_morning(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def default_start(end: dt.date, visits: int) -> dt.date:
    """The first day of a period ending on `end` whose working mornings hold `visits` at about
    DEFAULT_PER_MORNING each; no earlier than the bus's calendar (FIRST_DAY): five million
    visits would otherwise start in the 15th century, with more per morning from 2000 on."""
    needed = max(1, math.ceil(visits / DEFAULT_PER_MORNING))
    day = end
    while True:
        if is_working_morning(day):
            needed -= 1
            if needed == 0:
                return day
        if day <= FIRST_DAY:
            return day
        day -= dt.timedelta(days=1)


# ---------------------------------------------------------------- what the seed reads


@dataclass(frozen=True)
class _Stop:
    id: str
    commune_insee: str
    weight: float


@dataclass(frozen=True)
class _Procedure:
    id: str
    operator_id: str
    typical_seconds: float


@dataclass(frozen=True)
class _World:
    """The real communes, stops, desks and procedures, in a fixed order."""

    communes: tuple[str, ...]
    rotation: tuple[_Stop, ...]
    desks: tuple[int, ...]
    procedures: tuple[_Procedure, ...]
    procedure_cum: tuple[float, ...]  # cumulative weights, for rng.choices

    def stop_of(self, index: int) -> _Stop:
        return self.rotation[index % len(self.rotation)]


def _rotation(stops: Sequence[_Stop], communes: Sequence[str]) -> tuple[_Stop, ...]:
    """One commune after the other, each time the next stop of that commune: every commune
    comes back every len(communes) mornings (three weeks), each stop in turn."""
    by_commune = {c: [s for s in stops if s.commune_insee == c] for c in communes}
    served = [c for c in communes if by_commune[c]]
    rounds = math.lcm(*(len(by_commune[c]) for c in served)) if served else 0
    return tuple(by_commune[c][r % len(by_commune[c])] for r in range(rounds) for c in served)


def _world(ctx: Context, seed: int) -> _World:
    with ctx.read() as session:
        communes = tuple(session.scalars(select(Commune.insee).order_by(Commune.insee)))
        stop_rows = session.execute(
            select(Stop.id, Stop.commune_insee).where(Stop.active.is_(True))
            .order_by(Stop.commune_insee, Stop.id)
        ).all()
        desks = tuple(session.scalars(select(Desk.id).order_by(Desk.id)))
    if not stop_rows:
        raise KioskError("Aucun arrêt dans la base : lancez d'abord « kiosk init ».")
    # Some stops draw more people than others, for good: a fixed weight per stop from the seed.
    weights = random.Random(f"stops/{seed}")
    stops = [_Stop(row.id, row.commune_insee, weights.uniform(0.55, 1.6)) for row in stop_rows]
    catalogue: Catalogue = ctx.catalogue
    procedures = []
    cum = []
    total = 0.0
    for operator in catalogue.operators:
        mine = catalogue.procedures_of(operator.id)
        for rank, procedure in enumerate(mine):
            # the first procedures of an operator (its everyday ones) weigh a little more
            share = OPERATOR_WEIGHT.get(operator.id, OTHER_OPERATOR_WEIGHT) / len(mine)
            total += share * (1.4 if rank == 0 else 1.0)
            procedures.append(_Procedure(procedure.id, procedure.operator_id,
                                         procedure.typical_minutes * 60.0))
            cum.append(total)
    if not procedures:
        raise KioskError("Le catalogue ne contient aucune démarche.")
    return _World(communes, _rotation(stops, communes), desks, tuple(procedures), tuple(cum))


# ---------------------------------------------------------------- one morning, simulated


@dataclass
class _Visit:
    number: int
    taken: int  # seconds after 8:00
    procedure: _Procedure
    priority: bool
    fate: str  # what the visitor will do: serve, no_show, cancel
    give_up: int = 0
    state: str = State.WAITING
    called: int | None = None
    started: int | None = None
    ended: int | None = None
    service: int | None = None
    desk: int | None = None
    recalls: int = 0


@dataclass
class _Morning:
    """A stopover's rows, with local ids: the chunk writer turns them into primary keys."""

    stopover: dict[str, Any]
    tickets: list[dict[str, Any]] = field(default_factory=list)
    demandes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (ticket index, row)
    feedback: list[dict[str, Any]] = field(default_factory=list)


def _arrivals(rng: random.Random, n: int) -> list[int]:
    """Seconds after 8:00: most people come early, with a peak around 9-10 h."""
    times = []
    for _ in range(n):
        if rng.random() < 0.75:
            minutes = rng.triangular(0, LAST_ARRIVAL_SECONDS / 60, 80)
        else:
            minutes = rng.uniform(0, LAST_ARRIVAL_SECONDS / 60)
        times.append(int(minutes * 60))
    times.sort()
    return times


def _simulate(rng: random.Random, visits: list[_Visit], desk_ids: Sequence[int]) -> int:
    """Play the morning's queue: each free desk calls the first waiting ticket (priority first,
    then arrival). Returns the closing time (seconds after 8:00)."""
    n = len(visits)
    count = min(len(desk_ids), 2 + (n >= 25) + (n >= 60)) if desk_ids else 2
    # Shorter visits on a crowded morning: the animatrices keep the work (visits plus ~2.5 min
    # of calling and notes each) within about 70 % of what the desks can do in a morning, as
    # they do; the arrival peak still makes the queue grow, and a few are left at closing.
    work = sum(v.procedure.typical_seconds for v in visits if v.fate == "serve")
    room = 0.7 * count * CLOSING_SECONDS - 150 * n
    pace = min(1.0, max(0.3, room / work)) if work else 1.0
    desks = [(0, d) for d in range(count)]
    heapq.heapify(desks)
    waiting: list[tuple[bool, int]] = []
    arrived = 0
    last_end = 0
    while desks:
        t, d = heapq.heappop(desks)
        while arrived < n and visits[arrived].taken <= t:
            heapq.heappush(waiting, (not visits[arrived].priority, arrived))
            arrived += 1
        if t >= CLOSING_SECONDS:
            break
        if not waiting:
            if arrived < n:
                heapq.heappush(desks, (visits[arrived].taken, d))
            continue
        _, index = heapq.heappop(waiting)
        visit = visits[index]
        if visit.fate == "cancel":
            # withdrawn before this desk got to it (or at once, if nobody was waiting)
            visit.state = State.CANCELLED
            visit.ended = max(visit.taken + 30, min(visit.give_up, t - rng.randint(0, 60)))
            heapq.heappush(desks, (max(t, visit.ended), d))
            continue
        call = t + rng.randint(5, 60)
        visit.called, visit.desk = call, desk_ids[d] if d < len(desk_ids) else None
        if visit.fate == "no_show":
            visit.state = State.NO_SHOW
            visit.recalls = 1 if rng.random() < 0.7 else 0
            visit.ended = call + rng.randint(120, 360)
            free = visit.ended
        else:
            visit.state = State.DONE
            visit.recalls = 1 if rng.random() < 0.05 else 0
            if rng.random() < 0.9:
                visit.started = call + rng.randint(20, 120)
            typical = visit.procedure.typical_seconds * pace
            seconds = rng.lognormvariate(math.log(typical), 0.45)
            visit.service = int(min(max(seconds, 180.0), 3 * visit.procedure.typical_seconds))
            visit.ended = (visit.started or call) + visit.service
            free = visit.ended + rng.randint(20, 90)  # notes, then the next call
        last_end = max(last_end, visit.ended)
        heapq.heappush(desks, (free, d))
    closed = max(CLOSING_SECONDS, last_end) + rng.randint(60, 600)
    for visit in visits:
        if visit.state == State.WAITING:
            if visit.fate == "cancel" and visit.give_up < closed:
                visit.state, visit.ended = State.CANCELLED, visit.give_up
            else:
                visit.state, visit.ended = State.UNSERVED, closed
    return closed


def _pick(rng: random.Random, world: _World) -> _Procedure:
    return rng.choices(world.procedures, cum_weights=world.procedure_cum)[0]


def _morning(world: _World, seed: int, day: dt.date, stop: _Stop, n: int) -> _Morning:
    rng = random.Random(f"{seed}/{day.isoformat()}/{stop.id}")
    base = dt.datetime.combine(day, OPENING)

    def at(seconds: int | None) -> dt.datetime | None:
        return None if seconds is None else base + dt.timedelta(seconds=seconds)

    visits = []
    for number, taken in enumerate(_arrivals(rng, n), 1):
        r = rng.random()
        fate = "cancel" if r < 0.02 else "no_show" if r < 0.07 else "serve"
        visits.append(_Visit(number, taken, _pick(rng, world), rng.random() < 0.05, fate,
                             give_up=taken + rng.randint(180, 2400)))
    closed = _simulate(rng, visits, world.desks)
    morning = _Morning({
        "stop_id": stop.id, "day": day, "half": Half.MORNING.value,
        "opened_at": base - dt.timedelta(minutes=rng.randint(0, 15)), "closed_at": at(closed),
        "last_number": n,
    })
    other_communes = [c for c in world.communes if c != stop.commune_insee]
    for index, v in enumerate(visits):
        done = v.state == State.DONE
        age = gender = residence = None
        if done and rng.random() < 0.7:  # the end-of-visit form is optional
            age = rng.choices(tuple(AGE_WEIGHTS), weights=tuple(AGE_WEIGHTS.values()))[0]
            gender = rng.choices([g for g, _ in GENDER_WEIGHTS],
                                 weights=[w for _, w in GENDER_WEIGHTS])[0]
        if done and rng.random() < 0.6:
            r = rng.random()
            if r < 0.75 or not other_communes:
                residence = stop.commune_insee
            elif r < 0.93:
                residence = rng.choice(other_communes)
            else:
                residence = RESIDENCE_OTHER if r < 0.97 else RESIDENCE_UNSAID
        morning.tickets.append({
            "stopover_id": 0, "number": v.number, "procedure_id": v.procedure.id,
            "operator_id": v.procedure.operator_id, "priority": v.priority,
            "language": "gcf" if rng.random() < 0.08 else "fr", "state": str(v.state),
            "channel": rng.choices([c for c, _ in CHANNEL_WEIGHTS],
                                   weights=[w for _, w in CHANNEL_WEIGHTS])[0],
            "taken_at": at(v.taken), "first_called_at": at(v.called), "called_at": at(v.called),
            "started_at": at(v.started), "ended_at": at(v.ended),
            "wait_seconds": None if v.called is None else v.called - v.taken,
            "service_seconds": v.service, "desk_id": v.desk if v.state in (
                State.DONE, State.NO_SHOW) else None,
            "staff_id": None, "recall_count": v.recalls,
            "age_band": age, "gender": gender, "residence": residence,
        })
        if done:
            r = rng.random()
            count = 1 if r < 0.85 else 2 if r < 0.97 else 3
            for k in range(count):
                procedure = v.procedure
                if k > 0 or (procedure.operator_id == "autre" and rng.random() < 0.7):
                    procedure = _pick(rng, world)
                r = rng.random()
                outcome = (Outcome.SOLVED if r < 0.65 else Outcome.REDIRECTED if r < 0.9
                           else Outcome.FOLLOW_UP)
                partner = None
                if outcome == Outcome.REDIRECTED:
                    partner = PARTNER_OF_OPERATOR.get(procedure.operator_id)
                    if partner is None or rng.random() < 0.25:
                        partner = rng.choice(OTHER_PARTNERS)
                morning.demandes.append((index, {
                    "ticket_id": 0, "operator_id": procedure.operator_id,
                    "procedure_id": procedure.id, "outcome": outcome, "partner": partner,
                }))
    morning.feedback = _answers(random.Random(f"{seed}/{day.isoformat()}/{stop.id}/avis"),
                                [at(v.ended) for v in visits if v.state == State.DONE])
    return morning


def _answers(rng: random.Random, left_at: list[dt.datetime | None]) -> list[dict[str, Any]]:
    """Some visitors received answer on the way out, a minute or two after their visit, never
    two within the kiosk's 20 s (a second tap would not count). A generator of its own: the
    tickets and demandes of a seed stay those they were before answers existed."""
    rows: list[dict[str, Any]] = []
    last: dt.datetime | None = None
    for moment in sorted(m for m in left_at if m is not None):
        if rng.random() >= FEEDBACK_SHARE:
            continue
        when = moment + dt.timedelta(seconds=rng.randint(20, 180))
        if last is not None and when - last < dt.timedelta(seconds=20):
            continue
        answer = rng.choices([a for a, _ in FEEDBACK_WEIGHTS],
                             weights=[w for _, w in FEEDBACK_WEIGHTS])[0]
        rows.append({"stopover_id": 0, "answer": answer, "created_at": when})
        last = when
    return rows


# ---------------------------------------------------------------- the plan and the writer


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to the weights, whole numbers that add up exactly
    (largest remainders, ties to the earliest)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    left = total - sum(counts)
    order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[:left]:
        counts[i] += 1
    return counts


def _plan(ctx: Context, world: _World, visits: int, start: dt.date, end: dt.date,
          seed: int) -> list[tuple[dt.date, _Stop, int]]:
    """Which stop each free morning, and how many visits there."""
    with ctx.read() as session:
        # the bus is at one place per half-day: a morning that already has a stopover (real
        # or seeded) is left as it is
        taken = set(session.scalars(
            select(Stopover.day).where(Stopover.half == Half.MORNING.value,
                                       Stopover.day.between(start, end))
        ))
    rng = random.Random(f"plan/{seed}")
    slots = []
    for index, day in enumerate(working_mornings(start, end)):
        noise = rng.lognormvariate(0, 0.2)  # drawn for every morning: free or not, same draws
        if day in taken:
            continue
        stop = world.stop_of(index)
        weight = MONTH_FACTOR[day.month - 1] * WEEKDAY_FACTOR[day.weekday()] * stop.weight * noise
        slots.append((day, stop, weight))
    counts = _apportion(visits, [w for _, _, w in slots]) if slots else []
    return [(day, stop, n) for (day, stop, _), n in zip(slots, counts, strict=True) if n > 0]


def _chunks(mornings: Iterator[_Morning]) -> Iterator[list[_Morning]]:
    chunk: list[_Morning] = []
    size = 0
    for morning in mornings:
        chunk.append(morning)
        size += len(morning.tickets)
        if size >= CHUNK_TICKETS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _next_id(conn: Connection, column: Any) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def _copy(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY, in the connection's transaction: a million visits took 85 s with
    executemany and 42 s with COPY, half of it spent generating them (tests/perf/history_bench)."""
    columns = list(rows[0])
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _write(conn: Connection, chunk: list[_Morning], postgres: bool) -> tuple[int, int]:
    """One transaction of whole stopovers. Returns (tickets, demandes) written."""
    # The revision bump takes the queue writers' lock first (a row lock on PostgreSQL), so no
    # ticket taken meanwhile can draw an id from the sequence before it is moved past ours.
    conn.execute(update(QueueRevision).where(QueueRevision.id == 1)
                 .values(value=QueueRevision.value + 1))
    stopover_id = _next_id(conn, Stopover.id)
    ticket_id = _next_id(conn, Ticket.id)
    demande_id = _next_id(conn, Demande.id)
    stopovers, tickets, demandes, feedback = [], [], [], []
    for morning in chunk:
        morning.stopover["id"] = stopover_id
        stopovers.append(morning.stopover)
        first_ticket = ticket_id
        for row in morning.tickets:
            row["id"], row["stopover_id"] = ticket_id, stopover_id
            tickets.append(row)
            ticket_id += 1
        for index, row in morning.demandes:
            row["id"], row["ticket_id"] = demande_id, first_ticket + index
            demandes.append(row)
            demande_id += 1
        for row in morning.feedback:
            row["stopover_id"] = stopover_id
            feedback.append(row)
        stopover_id += 1
    for model, rows in ((Stopover, stopovers), (Ticket, tickets), (Demande, demandes)):
        if rows and postgres:
            _copy(conn, model.__tablename__, rows)
        elif rows:
            conn.execute(insert(model), rows)
    if feedback and postgres:  # no ids given: each backend numbers the answers itself
        _copy(conn, Feedback.__tablename__, feedback)
    elif feedback:
        conn.execute(insert(Feedback), feedback)
    if postgres:
        for table in ("stopovers", "tickets", "demandes"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    return len(tickets), len(demandes)


def _check(ctx: Context, visits: int, start: dt.date | None,
           end: dt.date | None) -> tuple[dt.date, dt.date]:
    if isinstance(visits, bool) or not isinstance(visits, int) or not 1 <= visits <= MAX_VISITS:
        limit = f"{MAX_VISITS:,}".replace(",", "\u202f")
        raise KioskError(f"Nombre de visites invalide « {visits} » : entre 1 et {limit}.")
    today = ctx.now().date()
    if end is None:
        end = today - dt.timedelta(days=1)
        if start is not None and start > end:
            end = start
    if start is None:
        start = default_start(end, visits)
    for day in (start, end):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise KioskError(f"Période invalide : le {french.short_date(day)} est hors du "
                             f"calendrier du bus ({FIRST_DAY.year} à {LAST_DAY.year}).")
    if start > end:
        raise KioskError(f"Période invalide : le début ({french.short_date(start)}) est après la fin "
                         f"({french.short_date(end)}).")
    if end >= today:
        # today's morning belongs to the real bus: a seeded, closed stopover would sit beside
        # (or block) the one the animatrices open, and count twice in the statistics
        raise KioskError(f"Période invalide : la fin ({french.short_date(end)}) n'est pas passée ; "
                         "un historique s'arrête au plus tard hier.")
    if not working_mornings(start, end):
        raise KioskError(f"Période sans matinée de travail du bus (lundi à jeudi hors jours "
                         f"fériés) du {french.short_date(start)} au {french.short_date(end)}.")
    return start, end


def seed_history(ctx: Context, visits: int, start: dt.date | None = None,
                 end: dt.date | None = None, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None) -> SeedReport:
    """Write a synthetic history of about `visits` visits, spread over the working mornings
    from `start` to `end` (default: ending yesterday, starting early enough for about
    DEFAULT_PER_MORNING visits a morning). Mornings that already hold a stopover are left alone,
    so seeding twice, or beside real data, never fails (the second time writes nothing).
    `progress(done, total)` is told after each chunk. Refused: visits outside 1..MAX_VISITS, a
    period ending after today, a period with no working morning."""
    began = time.perf_counter()
    start, end = _check(ctx, visits, start, end)
    world = _world(ctx, seed)
    plan = _plan(ctx, world, visits, start, end, seed)
    total = sum(n for _, _, n in plan)
    mornings = (_morning(world, seed, day, stop, n) for day, stop, n in plan)
    postgres = ctx.engine.dialect.name == "postgresql"
    written_tickets = written_demandes = written_stopovers = 0
    if progress is not None:
        progress(0, total)
    with ctx.engine.connect() as conn:
        if not postgres:
            # Each chunk is still one atomic transaction; NORMAL only lets WAL skip the fsync
            # of every commit during the seed (a power cut may lose the last chunks, not corrupt).
            conn.connection.driver_connection.execute("PRAGMA synchronous=NORMAL")  # type: ignore[union-attr]
        try:
            for chunk in _chunks(mornings):
                with conn.begin():
                    tickets, demandes = _write(conn, chunk, postgres)
                written_tickets += tickets
                written_demandes += demandes
                written_stopovers += len(chunk)
                if progress is not None:
                    progress(written_tickets, total)
        finally:
            if not postgres:
                conn.connection.driver_connection.execute("PRAGMA synchronous=FULL")  # type: ignore[union-attr]
    report = SeedReport(written_tickets, written_demandes, written_stopovers, start, end,
                        time.perf_counter() - began)
    with ctx.write() as session:
        session.add(Event(at=ctx.now(), kind="history_seeded", detail=json.dumps({
            "visits": visits, "from": start.isoformat(), "to": end.isoformat(), "seed": seed,
            "written": {"visits": report.visits, "demandes": report.demandes,
                        "stopovers": report.stopovers},
        }, sort_keys=True)))
    return report
