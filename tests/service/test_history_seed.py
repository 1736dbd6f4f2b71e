"""seed_history: a synthetic history that reads like the bus's own, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Demande, Event, Stop, Stopover, Ticket
from kiosk.content.planning import days_off
from kiosk.core import services
from kiosk.core.context import Context, open_context
from kiosk.errors import KioskError
from kiosk.reports.history import SeedReport, is_working_morning, seed_history
from kiosk.system.config import Settings

SUMMER = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))  # Tuesday 14 and 21 July are holidays


def _seed(ctx: Context, visits: int = 2000, seed: int = 0) -> SeedReport:
    return seed_history(ctx, visits, start=SUMMER[0], end=SUMMER[1], seed=seed)


def _rows(ctx: Context) -> tuple[list[Stopover], list[Ticket], list[Demande]]:
    with ctx.read() as session:
        return (list(session.scalars(select(Stopover).order_by(Stopover.id))),
                list(session.scalars(select(Ticket).order_by(Ticket.id))),
                list(session.scalars(select(Demande).order_by(Demande.id))))


def _digest(ctx: Context) -> str:
    """Every column of every seeded row, in id order."""
    digest = hashlib.sha256()
    for rows in _rows(ctx):
        for row in rows:
            values = [getattr(row, c.key) for c in row.__table__.columns]
            digest.update(repr([v.isoformat() if hasattr(v, "isoformat") else v
                                for v in values]).encode())
    return digest.hexdigest()


@pytest.fixture
def fresh(database_factory: Callable[[], str], tmp_path: Path,
          clock: Callable[[], dt.datetime]) -> Iterator[Callable[[], Context]]:
    """Opens further fresh databases of the same backend as `ctx`."""
    opened: list[Context] = []

    def make() -> Context:
        context = open_context(Settings(data_dir=tmp_path, database_url=database_factory()))
        context.clock = clock
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.dispose()


def test_the_history_keeps_the_bus_calendars_days_off():
    """The seeder's mornings are the planner's: no holiday, no carnival day (one list)."""
    off = days_off(dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    assert {dt.date(2026, 5, 22), dt.date(2026, 7, 21), dt.date(2027, 2, 8),
            dt.date(2027, 2, 9), dt.date(2027, 2, 10)} <= set(off)
    assert not any(is_working_morning(day) for day in off)
    assert is_working_morning(dt.date(2027, 2, 11))  # the Thursday after Ash Wednesday


def test_a_quarter_of_mornings_at_every_stop(ctx):
    report = _seed(ctx)
    stopovers, tickets, demandes = _rows(ctx)
    assert (report.visits, report.demandes, report.stopovers) == (
        len(tickets), len(demandes), len(stopovers))
    assert report.visits == 2000 and (report.start, report.end) == SUMMER
    days = [s.day for s in stopovers]
    assert len(days) == len(set(days))  # one stopover a morning
    for s in stopovers:
        assert s.half == "morning" and s.day.weekday() < 4
        assert SUMMER[0] <= s.day <= SUMMER[1]
        assert s.closed_at is not None and s.opened_at <= dt.datetime.combine(s.day, dt.time(8))
    assert not {dt.date(2026, 7, 14), dt.date(2026, 7, 21)} & set(days)
    with ctx.read() as session:
        all_stops = set(session.scalars(select(Stop.id).where(Stop.active.is_(True))))
    assert {s.stop_id for s in stopovers} == all_stops
    # Mondays busier than Thursdays, September busier than August
    per_weekday = Counter()
    per_month = Counter()
    by_stopover = {s.id: s for s in stopovers}
    for t in tickets:
        per_weekday[by_stopover[t.stopover_id].day.weekday()] += 1
        per_month[by_stopover[t.stopover_id].day.month] += 1
    mondays = sum(1 for d in days if d.weekday() == 0)
    thursdays = sum(1 for d in days if d.weekday() == 3)
    assert per_weekday[0] / mondays > per_weekday[3] / thursdays
    assert per_month[9] > per_month[8]


def test_numbers_run_from_one_to_the_last_of_each_stopover(ctx):
    _seed(ctx, visits=1500)
    stopovers, tickets, _ = _rows(ctx)
    numbers: dict[int, list[int]] = {}
    for t in tickets:
        numbers.setdefault(t.stopover_id, []).append(t.number)
    for s in stopovers:
        assert sorted(numbers[s.id]) == list(range(1, s.last_number + 1))


def test_states_and_phase_times_tell_one_story(ctx):
    _seed(ctx)
    stopovers, tickets, demandes = _rows(ctx)
    closed_at = {s.id: s.closed_at for s in stopovers}
    per_ticket = Counter(d.ticket_id for d in demandes)
    states = Counter(t.state for t in tickets)
    assert set(states) >= {"done", "no_show", "cancelled"}
    assert set(states) <= {"done", "no_show", "cancelled", "unserved"}
    assert 0.01 < states["no_show"] / len(tickets) < 0.1
    assert 0.005 < states["cancelled"] / len(tickets) < 0.05
    assert states["done"] / len(tickets) > 0.8
    for t in tickets:
        day = t.taken_at.date()
        assert dt.datetime.combine(day, dt.time(8)) <= t.taken_at <= dt.datetime.combine(
            day, dt.time(12, 30))
        assert t.ended_at is not None and t.ended_at >= t.taken_at
        if t.state in ("done", "no_show"):
            assert t.first_called_at == t.called_at and t.first_called_at >= t.taken_at
            assert t.wait_seconds == (t.first_called_at - t.taken_at).total_seconds()
            assert t.ended_at > t.called_at
        else:
            assert t.first_called_at is None and t.called_at is None and t.wait_seconds is None
        if t.state == "done":
            start = t.started_at or t.called_at
            assert t.service_seconds == (t.ended_at - start).total_seconds() > 0
            assert 1 <= per_ticket[t.id] <= 3
        else:
            assert t.service_seconds is None and t.started_at is None
            assert per_ticket[t.id] == 0
            assert t.age_band is None and t.gender is None and t.residence is None
        if t.state == "unserved":
            assert t.ended_at == closed_at[t.stopover_id]
        assert t.desk_id is not None or t.state in ("cancelled", "unserved")
    done = [t for t in tickets if t.state == "done"]
    assert 0.03 < sum(t.started_at is None for t in done) / len(done) < 0.2
    assert sum(per_ticket[t.id] > 1 for t in done) / len(done) > 0.08
    assert 0.5 < sum(t.age_band is not None for t in done) / len(done) < 0.9
    outcomes = Counter(d.outcome for d in demandes)
    assert outcomes["solved"] > outcomes["redirected"] > outcomes["follow_up"] > 0
    assert all((d.partner is not None) == (d.outcome == "redirected") for d in demandes)
    channels = Counter(t.channel for t in tickets)
    assert channels["kiosk"] > channels["console"] > channels["cli"] > 0


def test_the_wait_grows_with_the_people_ahead(ctx):
    _seed(ctx)
    _, tickets, _ = _rows(ctx)
    early = [t.wait_seconds for t in tickets if t.wait_seconds is not None
             and t.taken_at.time() < dt.time(8, 20)]
    peak = [t.wait_seconds for t in tickets if t.wait_seconds is not None
            and dt.time(9, 30) <= t.taken_at.time() < dt.time(10, 30)]
    assert sum(peak) / len(peak) > 2 * sum(early) / len(early)


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(ctx, fresh):
    _seed(ctx, visits=800, seed=7)
    twin, other = fresh(), fresh()
    _seed(twin, visits=800, seed=7)
    _seed(other, visits=800, seed=8)
    assert _digest(ctx) == _digest(twin)
    assert _digest(ctx) != _digest(other)


def test_seeding_twice_or_beside_real_stopovers_never_fails(ctx, clock):
    clock.current = dt.datetime(2026, 7, 6, 8, 30)  # a real Monday morning in the period
    services.open_stopover(ctx, "ducos-bourg")
    services.take_ticket(ctx, "caf-rsa")
    services.close_stopover(ctx)
    clock.current = dt.datetime(2026, 11, 26, 9, 0)
    first = _seed(ctx, visits=1000)
    assert first.visits == 1000
    again = _seed(ctx, visits=1000)
    assert (again.visits, again.demandes, again.stopovers) == (0, 0, 0)
    with ctx.read() as session:
        real = session.scalars(select(Stopover).where(Stopover.day == dt.date(2026, 7, 6))).all()
        assert [(s.stop_id, s.last_number) for s in real] == [("ducos-bourg", 1)]
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1001
        kinds = Counter(session.scalars(select(Event.kind)))
    assert kinds["history_seeded"] == 2
    assert kinds["ticket_taken"] == 1  # no per-ticket event for the seeded visits


def test_the_queue_works_as_before_after_a_seed(ctx):
    _seed(ctx, visits=1200)
    with ctx.read() as session:
        seeded_max = session.scalar(select(func.max(Ticket.id)))
    services.open_stopover(ctx, "sainte-luce-bourg")
    issued = services.take_ticket(ctx, "caf-aide-logement")
    assert issued.number == 1
    called = services.call_next(ctx, 1)
    assert called.number == 1
    services.finish_visit(ctx, 1, [services.DemandeInput("caf-aide-logement", "solved")])
    services.close_stopover(ctx)
    with ctx.read() as session:
        assert session.scalar(select(func.max(Ticket.id))) == seeded_max + 1


@pytest.mark.parametrize("visits, start, end, words", [
    (0, None, None, "visites"),
    (5_000_001, None, None, "visites"),
    (100, dt.date(2026, 9, 1), dt.date(2026, 8, 1), "début"),
    (100, dt.date(2026, 11, 1), dt.date(2026, 12, 31), "pas passée"),
    (100, dt.date(2026, 11, 1), dt.date(2026, 11, 26), "pas passée"),  # today (the clock's day)
    (100, dt.date(2026, 8, 14), dt.date(2026, 8, 16), "matinée"),  # Friday to Sunday
    (10, dt.date(1, 1, 3), dt.date(1, 1, 31), "le 03/01/1 est hors du calendrier du bus"),
    (10, dt.date(1999, 12, 1), dt.date(2000, 1, 31), "hors du calendrier du bus (2000 à 2100)"),
])
def test_bad_requests_are_refused_and_write_nothing(ctx, visits, start, end, words):
    with pytest.raises(KioskError) as refused:
        seed_history(ctx, visits, start=start, end=end)
    assert words in refused.value.message and "\n" not in refused.value.message
    with ctx.read() as session:
        assert session.scalar(select(func.count()).select_from(Stopover)) == 0
        assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_the_default_period_ends_yesterday_with_about_fifty_visits_a_morning(ctx):
    seen: list[tuple[int, int]] = []
    report = seed_history(ctx, 600, progress=lambda done, total: seen.append((done, total)))
    assert report.end == dt.date(2026, 11, 25)
    assert report.stopovers == 12 and report.visits == 600
    assert seen[0] == (0, 600) and seen[-1] == (600, 600)


def test_a_default_period_starts_no_earlier_than_the_bus_calendar():
    from kiosk.reports.history import default_start
    from kiosk.reports.periods import FIRST_DAY

    # five million visits at fifty a morning would start in the 15th century
    assert default_start(dt.date(2026, 11, 25), 5_000_000) == FIRST_DAY
    assert default_start(dt.date(2026, 11, 25), 600) == dt.date(2026, 11, 4)  # 12 mornings
