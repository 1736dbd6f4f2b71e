"""A half-day left open (issue #18, item 1), on SQLite and PostgreSQL: once its day is over a
stopover takes no ticket and no call, the kiosk calls the
bus closed, the console and the command line say so and close it at its true end, and no
figure counts a wait or a visit across days. The clock is the test's (Thursday 26 November 2026,
9:00), moved by hand: the PC switched off on Thursday and on again a week later."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from db.models import Event, Ticket
from kiosk import domain
from kiosk.apps.console import StaffService
from kiosk.apps.desk_view import desk_view
from kiosk.apps.visitor import VisitorService
from kiosk.core import services, views
from kiosk.core.services import DemandeInput
from kiosk.errors import NoOpenStopover, StopoverLeftOpen, VisitsInProgress
from kiosk.output.printing import FilePrinter
from kiosk.reports.periods import Period
from kiosk.reports.statistics import compute

THURSDAY = dt.date(2026, 11, 26)
NEXT_THURSDAY = dt.datetime(2026, 12, 3, 9, 0)


def _morning_then_a_week(ctx, clock) -> None:
    """Ducos opened Thursday at 9:00; three tickets, one served from 9:10 to 9:25, one called
    at 9:30 who never came; the last still waiting when the PC is switched off at 12:40."""
    services.open_stopover(ctx, "ducos-bourg")
    for _ in range(3):
        services.take_ticket(ctx, "caf-aide-logement")
    clock.advance(minutes=10)
    services.call_next(ctx, 1)
    clock.advance(minutes=15)
    services.finish_visit(ctx, 1, [DemandeInput("caf-aide-logement", "solved")])
    clock.advance(minutes=5)
    services.call_next(ctx, 1)
    clock.current = dt.datetime(2026, 11, 26, 12, 40)
    services.recall(ctx, 2)  # her last call, then nobody touches the bus until next week
    clock.current = NEXT_THURSDAY


def test_a_stopover_serves_until_the_end_of_its_day():
    assert domain.serving_limit(THURSDAY) == dt.datetime(2026, 11, 27, 0, 0)
    assert not domain.left_open(THURSDAY, dt.datetime(2026, 11, 26, 23, 59, 59))
    assert domain.left_open(THURSDAY, dt.datetime(2026, 11, 27, 0, 0))
    # its true end: the closing time, or a later last activity
    assert domain.true_closing(THURSDAY, "morning", None) == dt.datetime(2026, 11, 26, 13, 0)
    assert (domain.true_closing(THURSDAY, "morning", dt.datetime(2026, 11, 26, 14, 20))
            == dt.datetime(2026, 11, 26, 14, 20))
    assert (domain.true_closing(THURSDAY, "afternoon", dt.datetime(2026, 11, 26, 11, 0))
            == dt.datetime(2026, 11, 26, 17, 0))


def test_a_late_visit_on_the_same_day_still_takes_tickets_until_midnight(ctx, clock):
    services.open_stopover(ctx, "ducos-bourg")
    clock.current = dt.datetime(2026, 11, 26, 23, 59)
    assert services.take_ticket(ctx, "autre").number == 1
    clock.current = dt.datetime(2026, 11, 27, 0, 1)
    with pytest.raises(StopoverLeftOpen):
        services.take_ticket(ctx, "autre")


def test_a_week_later_no_ticket_no_call_and_the_number_is_not_spent(ctx, clock):
    _morning_then_a_week(ctx, clock)
    with pytest.raises(StopoverLeftOpen) as refused:
        services.take_ticket(ctx, "autre")
    assert isinstance(refused.value, NoOpenStopover)  # the kiosk's "closed" path
    assert refused.value.message == (
        "L'escale Ducos – Bourg, place de la mairie du jeudi 26 novembre (matin) n'a pas été fermée : "
        "fermez-la d'abord (« kiosk stopover close » la ferme à 13 h 00, son heure de fin "
        "réelle).")
    for verb in (lambda: services.call_next(ctx, 2), lambda: services.recall(ctx, 2),
                 lambda: services.mark_absent(ctx, 3), lambda: services.start_service(ctx, 2)):
        with pytest.raises(StopoverLeftOpen):
            verb()
    assert views.open_stopover(ctx).last_number == 3
    assert services.record_feedback(ctx, "content") is False
    # the kiosk: closed, no "Aujourd'hui, le bus est à Ducos"
    board = VisitorService(ctx, printer=FilePrinter(ctx.settings.data_dir)).board()
    assert board.is_open is False and board.stop_name is None
    # opening elsewhere names the stopover to close first
    with pytest.raises(StopoverLeftOpen, match="n'a pas été fermée"):
        services.open_stopover(ctx, "marin-bourg")


def test_the_console_says_it_and_closes_it_at_its_true_end(ctx, clock):
    _morning_then_a_week(ctx, clock)
    console = StaffService(ctx)
    view = desk_view(console.board(), ctx.catalogue, 1, 0)
    assert view.stopover_text == "Escale du 26/11 non fermée"
    assert view.problems[0].startswith("L'escale du jeudi 26 novembre (matin) est restée ouverte")
    assert [row["waited"] for row in view.queue_rows] == ["–"]  # never "10081 min"
    assert view.is_open and not view.serving  # "Fermer l'escale" shown, no call, no ticket
    check = views.closing_check(ctx)
    assert check.left_open_until == dt.datetime(2026, 11, 26, 13, 0)
    closed = services.close_stopover(ctx)
    assert closed.left_open and closed.unserved == 2 and closed.served == 1
    assert closed.stopover.closed_at == dt.datetime(2026, 11, 26, 13, 0)
    with ctx.read() as session:
        ended = session.scalars(select(Ticket.ended_at).where(Ticket.state == "unserved")).all()
        detail = session.scalar(select(Event.detail).where(Event.kind == "stopover_closed"))
    assert ended == [dt.datetime(2026, 11, 26, 13, 0)] * 2
    assert '"left_open": true' in detail and '"closed_at": "2026-11-26T13:00:00"' in detail
    # and the bus opens this week's stopover, numbered from 1
    opened = services.open_stopover(ctx, "marin-bourg")
    assert opened.day == NEXT_THURSDAY.date()
    assert services.take_ticket(ctx, "autre").number == 1


def test_a_visit_begun_before_is_finished_at_midnight_at_the_latest(ctx, clock):
    services.open_stopover(ctx, "ducos-bourg")
    services.take_ticket(ctx, "autre")
    clock.advance(minutes=5)
    services.call_next(ctx, 1)
    services.start_service(ctx, 1)
    clock.current = NEXT_THURSDAY
    with pytest.raises(VisitsInProgress):
        services.close_stopover(ctx)
    finished = services.finish_visit(ctx, 1, [DemandeInput("autre", "solved")])
    assert finished.service_seconds == int(
        (dt.datetime(2026, 11, 27) - dt.datetime(2026, 11, 26, 9, 5)).total_seconds())
    assert services.close_stopover(ctx).stopover.closed_at == dt.datetime(2026, 11, 27)


def test_no_figure_counts_a_wait_or_a_visit_across_days(ctx, clock):
    """A record bent before this fix (a wait that ended a week later, a visit three days) is
    left out of every figure: the statistics, the half-day's summary, the console's mean wait."""
    _morning_then_a_week(ctx, clock)
    services.close_stopover(ctx)
    with ctx.sessions.begin() as session:  # as an older version recorded them
        session.execute(update(Ticket).where(Ticket.number == 2).values(
            first_called_at=dt.datetime(2026, 12, 3, 9, 0), wait_seconds=7 * 24 * 3600 - 1200))
        session.execute(update(Ticket).where(Ticket.number == 1).values(
            ended_at=dt.datetime(2026, 11, 29, 9, 25), service_seconds=3 * 24 * 3600))
    report = compute(ctx, Period.of_month(2026, 11)).as_json()
    assert report["wait"]["count"] == 1 and report["wait"]["max_minutes"] == 10
    assert report["service"]["count"] == 0
    assert report["wait"]["mean_minutes"] == 10
    summary = views.stopover_summary(ctx, views.last_closed_stopover(ctx))
    assert summary.wait_max_minutes == 10
