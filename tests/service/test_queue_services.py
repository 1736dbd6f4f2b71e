"""The queue services on a real database (each test runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from db.models import Demande, Stopover, Ticket
from kiosk.core import services, views
from kiosk.core.services import DemandeInput
from kiosk.errors import (
    DeskBusy,
    DeskPaused,
    InvalidDemande,
    InvalidTransition,
    KioskError,
    NoOpenStopover,
    NoTicketWaiting,
    StopoverAlreadyOpen,
    UnknownDesk,
    UnknownProcedure,
    UnknownStop,
    UnknownTicket,
    VisitsInProgress,
)
from tests.service.eventlog import events

HOUSING = "caf-aide-logement"




def test_taking_a_ticket_without_an_open_stopover_is_refused(ctx):
    with pytest.raises(NoOpenStopover):
        services.take_ticket(ctx, HOUSING)
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0


def test_numbers_start_at_one_and_grow_by_one(open_ctx):
    numbers = [services.take_ticket(open_ctx, HOUSING).number for _ in range(5)]
    assert numbers == [1, 2, 3, 4, 5]


def test_unknown_procedure_or_stop_is_refused_and_writes_nothing(ctx, open_ctx):
    before = views.queue_revision(ctx)
    with pytest.raises(UnknownProcedure):
        services.take_ticket(ctx, "no-such-procedure")
    with pytest.raises(UnknownStop):
        services.open_stopover(ctx, "nowhere")
    assert views.queue_revision(ctx) == before


def test_only_one_stopover_is_open_at_a_time(open_ctx):
    with pytest.raises(StopoverAlreadyOpen):
        services.open_stopover(open_ctx, "marin-bourg")


def test_call_next_takes_priority_first_then_arrival(open_ctx):
    for priority in (False, False, True, False, True):
        services.take_ticket(open_ctx, HOUSING, priority=priority)
    called = []
    for _ in range(5):
        ticket = services.call_next(open_ctx, 1)
        called.append(ticket.number)
        services.finish_visit(open_ctx, ticket.number, [DemandeInput(HOUSING, "solved")])
    assert called == [3, 5, 1, 2, 4]
    with pytest.raises(NoTicketWaiting):
        services.call_next(open_ctx, 1)


def test_a_desk_holds_one_visitor_at_a_time(open_ctx):
    services.take_ticket(open_ctx, HOUSING)
    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    with pytest.raises(DeskBusy):
        services.call_next(open_ctx, 1)
    assert services.call_next(open_ctx, 2).number == 2


def test_unknown_or_paused_desk_cannot_call(open_ctx):
    services.take_ticket(open_ctx, HOUSING)
    with pytest.raises(UnknownDesk):
        services.call_next(open_ctx, 99)
    services.set_desk_status(open_ctx, 3, "paused")
    with pytest.raises(DeskPaused):
        services.call_next(open_ctx, 3)


def test_call_a_given_number_skips_the_order(open_ctx):
    for _ in range(3):
        services.take_ticket(open_ctx, HOUSING)
    assert services.call_number(open_ctx, 2, 3).number == 3
    assert services.call_next(open_ctx, 1).number == 1
    with pytest.raises(InvalidTransition):
        services.call_number(open_ctx, 4, 3)
    with pytest.raises(UnknownTicket):
        services.call_number(open_ctx, 4, 42)


def test_recall_counts_and_is_logged(open_ctx):
    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 2)
    again = services.recall(open_ctx, 1)
    assert (again.desk, again.recall_count) == (2, 1)
    assert services.recall(open_ctx, 1).recall_count == 2
    assert len(events(open_ctx, "ticket_recalled")) == 2


def test_put_back_returns_the_ticket_to_its_place(open_ctx):
    for _ in range(3):
        services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    services.put_back(open_ctx, 1)
    snap = views.queue_snapshot(open_ctx)
    assert [w.number for w in snap.waiting] == [1, 2, 3]
    assert snap.called == ()
    assert services.call_next(open_ctx, 1).number == 1


def test_absent_and_cancel_end_the_ticket(open_ctx):
    for _ in range(3):
        services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    assert services.mark_absent(open_ctx, 1).state == "no_show"
    assert services.cancel_ticket(open_ctx, 2).state == "cancelled"
    with pytest.raises(InvalidTransition):
        services.cancel_ticket(open_ctx, 1)
    # the desk is free again after an absence
    assert services.call_next(open_ctx, 1).number == 3


def test_finish_records_several_demandes_and_the_profile(open_ctx, clock):
    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    services.start_service(open_ctx, 1)
    clock.advance(minutes=25)
    done = services.finish_visit(
        open_ctx, 1,
        [DemandeInput(HOUSING, "solved"), DemandeInput("autre", "redirected", "Mairie")],
        age_band="60-74", gender="femme",
    )
    assert (done.demandes, done.service_seconds) == (2, 25 * 60)
    with open_ctx.read() as s:
        rows = s.execute(select(Demande.operator_id, Demande.procedure_id, Demande.outcome,
                                Demande.partner).order_by(Demande.id)).all()
        ticket = s.scalars(select(Ticket)).one()
    assert [tuple(r) for r in rows] == [("caf", HOUSING, "solved", None),
                                        ("autre", "autre", "redirected", "Mairie")]
    assert (ticket.state, ticket.age_band, ticket.gender) == ("done", "60-74", "femme")


@pytest.mark.parametrize("demandes, profile", [
    ([], {}),
    ([DemandeInput(HOUSING, "maybe")], {}),
    ([DemandeInput("nothing", "solved")], {}),
    ([DemandeInput(HOUSING, "solved")], {"age_band": "young"}),
    ([DemandeInput(HOUSING, "solved")], {"gender": "x"}),
])
def test_finish_refuses_bad_demandes_and_writes_nothing(open_ctx, demandes, profile):
    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    with pytest.raises((InvalidDemande, UnknownProcedure)):
        services.finish_visit(open_ctx, 1, demandes, **profile)
    snap = views.queue_snapshot(open_ctx)
    assert snap.called[0].state == "called"


def test_closing_ends_the_waiting_as_unserved_and_keeps_numbers(open_ctx):
    for _ in range(3):
        services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    services.start_service(open_ctx, 1)
    with pytest.raises(VisitsInProgress):
        services.close_stopover(open_ctx)
    services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "follow_up")])
    services.call_next(open_ctx, 2)
    closed = services.close_stopover(open_ctx)
    assert (closed.served, closed.unserved) == (1, 2)
    with open_ctx.read() as s:
        states = dict(s.execute(select(Ticket.number, Ticket.state)).all())
    assert states == {1: "done", 2: "unserved", 3: "unserved"}
    with pytest.raises(NoOpenStopover):
        services.take_ticket(open_ctx, HOUSING)
    # Reopening the same half-day continues the numbering: a number is never given twice.
    services.open_stopover(open_ctx, "ducos-bourg", reopen=True)
    assert services.take_ticket(open_ctx, HOUSING).number == 4


def test_a_new_half_day_starts_again_at_one(open_ctx, clock):
    services.take_ticket(open_ctx, HOUSING)
    services.close_stopover(open_ctx)
    clock.advance(minutes=24 * 60)
    services.open_stopover(open_ctx, "marin-bourg")
    assert services.take_ticket(open_ctx, HOUSING).number == 1
    with open_ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Stopover)) == 2


def test_every_write_bumps_the_revision_and_logs_an_event(open_ctx):
    start = views.queue_revision(open_ctx)
    steps = [
        lambda: services.take_ticket(open_ctx, HOUSING),
        lambda: services.call_next(open_ctx, 1),
        lambda: services.recall(open_ctx, 1),
        lambda: services.start_service(open_ctx, 1),
        lambda: services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "solved")]),
    ]
    for index, step in enumerate(steps, 1):
        step()
        assert views.queue_revision(open_ctx) == start + index
    kinds = [e.kind for e in events(open_ctx)]
    assert kinds == ["stopover_opened", "ticket_taken", "ticket_called", "ticket_recalled",
                     "service_started", "visit_finished"]
    taken = events(open_ctx, "ticket_taken")[0]
    assert json.loads(taken.detail) == {"number": 1, "priority": False, "procedure": HOUSING,
                                        "channel": "kiosk"}


def test_a_refused_action_does_not_bump_the_revision(open_ctx):
    services.take_ticket(open_ctx, HOUSING)
    before = views.queue_revision(open_ctx)
    with pytest.raises(InvalidTransition):
        services.start_service(open_ctx, 1)
    assert views.queue_revision(open_ctx) == before


def test_wait_estimate_grows_with_the_people_ahead(open_ctx):
    first = services.take_ticket(open_ctx, HOUSING)
    assert (first.people_ahead, first.wait.as_list()) == (0, [0, 5])
    for _ in range(3):
        services.take_ticket(open_ctx, HOUSING)
    fifth = services.take_ticket(open_ctx, HOUSING)
    typical = open_ctx.catalogue.procedure(HOUSING).typical_minutes
    assert fifth.people_ahead == 4
    low, high = fifth.wait.as_list()
    assert low <= 4 * typical <= high
    priority = services.take_ticket(open_ctx, HOUSING, priority=True)
    assert (priority.people_ahead, priority.wait.as_list()) == (0, [0, 5])


def test_wait_estimate_uses_the_median_of_recent_services(open_ctx, clock):
    for minutes in (10, 10, 10, 60, 60):  # five services: a median is trusted
        services.take_ticket(open_ctx, HOUSING)
        called = services.call_next(open_ctx, 1)
        services.start_service(open_ctx, called.number)
        clock.advance(minutes=minutes)
        services.finish_visit(open_ctx, called.number, [DemandeInput(HOUSING, "solved")])
    services.take_ticket(open_ctx, HOUSING)
    estimate = services.take_ticket(open_ctx, HOUSING)
    # one person ahead, one desk open, median 10 minutes (the 60-minute outliers do not count)
    assert estimate.people_ahead == 1
    assert estimate.wait.as_list() == [5, 15]


def test_open_desks_share_the_wait(open_ctx):
    for _ in range(4):
        services.take_ticket(open_ctx, HOUSING)
    one_desk = services.take_ticket(open_ctx, HOUSING).wait
    services.set_desk_status(open_ctx, 1, "open")
    services.set_desk_status(open_ctx, 2, "open")
    two_desks = services.take_ticket(open_ctx, HOUSING).wait
    assert two_desks.high < one_desk.high


def test_transfer_sends_the_visitor_to_a_free_desk_and_is_announced(open_ctx):
    from kiosk.core import staff

    # a transfer goes only to a desk open with someone logged in (test_console_slips.py)
    for name, desk in (("Marie", 2), ("Josiane", 3)):
        member = staff.add_staff(open_ctx, name, "animatrice", "1357")
        staff.login(open_ctx, member.id, "1357", desk)
    for _ in range(2):
        services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    services.call_next(open_ctx, 2)
    with pytest.raises(DeskBusy):
        services.transfer_ticket(open_ctx, 1, 2)
    moved = services.transfer_ticket(open_ctx, 1, 3)
    assert (moved.desk, moved.recall_count) == (3, 1)
    snap = views.queue_snapshot(open_ctx)
    assert {(c.number, c.desk) for c in snap.called} == {(1, 3), (2, 2)}
    assert views.last_calls(open_ctx)[0].desk == 3  # the kiosk announces the new desk
    # desk 1 is free again
    services.take_ticket(open_ctx, HOUSING)
    assert services.call_next(open_ctx, 1).number == 3


def _ticket_row(ctx, number):
    with ctx.read() as s:
        return s.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_every_phase_time_is_kept_and_durations_are_whole_seconds(open_ctx, clock):
    services.take_ticket(open_ctx, HOUSING, channel="console")
    clock.advance(minutes=12, seconds=30)
    services.call_next(open_ctx, 1)
    clock.advance(minutes=1)
    services.put_back(open_ctx, 1)  # the visitor was not ready: back in the queue
    clock.advance(minutes=5)
    services.call_next(open_ctx, 2)
    clock.advance(minutes=1)
    services.start_service(open_ctx, 1)
    clock.advance(minutes=20)
    services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "solved")], residence="97207")
    t = _ticket_row(open_ctx, 1)
    taken = t.taken_at
    assert t.channel == "console"
    assert t.first_called_at == taken + dt.timedelta(minutes=12, seconds=30)  # kept after put-back
    assert t.called_at == taken + dt.timedelta(minutes=18, seconds=30)
    assert t.started_at == taken + dt.timedelta(minutes=19, seconds=30)
    assert t.wait_seconds == 12 * 60 + 30  # the wait ended at the first call
    assert t.service_seconds == 20 * 60
    assert t.residence == "97207"


def test_a_visit_finished_without_start_records_no_start(open_ctx, clock):
    services.take_ticket(open_ctx, HOUSING)
    clock.advance(minutes=3)
    services.call_next(open_ctx, 1)
    clock.advance(minutes=7)
    finished = services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "solved")])
    t = _ticket_row(open_ctx, 1)
    assert t.started_at is None
    assert t.service_seconds == finished.service_seconds == 7 * 60  # from the call
    assert t.wait_seconds == 3 * 60


def test_never_called_tickets_have_no_wait_and_channel_and_residence_are_checked(open_ctx, clock):
    services.take_ticket(open_ctx, HOUSING)
    clock.advance(minutes=4)
    services.cancel_ticket(open_ctx, 1)
    assert _ticket_row(open_ctx, 1).wait_seconds is None
    with pytest.raises(KioskError):
        services.take_ticket(open_ctx, HOUSING, channel="fax")
    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    with pytest.raises(InvalidDemande):
        services.finish_visit(open_ctx, 2, [DemandeInput(HOUSING, "solved")], residence="75056")
    services.finish_visit(open_ctx, 2, [DemandeInput(HOUSING, "solved")], residence="non-dit")
    assert _ticket_row(open_ctx, 2).residence == "non-dit"


def test_the_wait_estimate_reads_the_latest_services_of_the_procedure(open_ctx, clock):
    """Five 40-minute services of the procedure make the typical time 40 minutes."""
    for number in range(1, 6):
        services.take_ticket(open_ctx, HOUSING)
        services.call_next(open_ctx, 1)
        clock.advance(minutes=40)
        services.finish_visit(open_ctx, number, [DemandeInput(HOUSING, "solved")])
    services.take_ticket(open_ctx, HOUSING)  # n° 6 waits
    issued = services.take_ticket(open_ctx, HOUSING)  # one person ahead, one open desk
    assert issued.people_ahead == 1
    assert issued.wait.as_list() == [30, 50]


def test_the_recent_services_query_is_an_index_lookup_on_sqlite(sqlite_url, tmp_path):
    """With years of history, the wait estimate must not scan the tickets table."""
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT service_seconds FROM tickets WHERE procedure_id = 'x' "
            "AND state = 'done' AND ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT 20")))
    engine.dispose()
    assert "ix_tickets_recent_service" in plan and "TEMP B-TREE" not in plan, plan


def test_only_a_waiting_ticket_can_be_withdrawn_by_the_visitor(open_ctx):
    issued = services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    with pytest.raises(InvalidTransition):
        services.withdraw_ticket(open_ctx, issued.number, issued.stopover_id)
    with pytest.raises(UnknownTicket):
        services.withdraw_ticket(open_ctx, 99, issued.stopover_id)
    second = services.take_ticket(open_ctx, HOUSING)
    services.withdraw_ticket(open_ctx, second.number, second.stopover_id)
    assert services.take_ticket(open_ctx, HOUSING).number == 3  # never given again
    assert [w.number for w in views.queue_snapshot(open_ctx).waiting] == [3]
    # every state reads in French, the withdrawn one too (one table, kiosk/vocabulary.py)
    with pytest.raises(InvalidTransition) as refused:
        services.cancel_ticket(open_ctx, second.number)
    assert str(refused.value) == (f"Le ticket n° {second.number} est « retiré par le visiteur » "
                                  ": impossible de l'annuler.")


def test_finish_refuses_what_the_statistics_would_count_wrong(open_ctx):
    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    with pytest.raises(InvalidDemande, match="déjà notée"):
        services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "solved")] * 3)
    with pytest.raises(InvalidDemande, match="invisible"):
        services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "redirected", "CA\x07F")])
    with pytest.raises(InvalidDemande, match="invisible"):
        services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "redirected", "\u202eFAC")])
    with open_ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Demande)) == 0
    assert views.queue_snapshot(open_ctx).called[0].number == 1  # still at the desk


def test_a_desk_with_a_visitor_cannot_be_closed_and_a_removed_stop_cannot_open(open_ctx):
    from sqlalchemy import update

    from db.models import Stop

    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 2)
    with pytest.raises(DeskBusy):
        services.set_desk_status(open_ctx, 2, "closed")
    services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "solved")])
    assert services.set_desk_status(open_ctx, 2, "closed") == "closed"
    services.close_stopover(open_ctx)
    with open_ctx.sessions.begin() as s:  # the coordinator removed this stop from the itinerary
        s.execute(update(Stop).where(Stop.id == "marin-bourg").values(active=False))
    with pytest.raises(UnknownStop):
        services.open_stopover(open_ctx, "marin-bourg")


def test_the_queue_lookups_are_index_lookups_on_sqlite(sqlite_url):
    """Each queue action finds the open stopover and the ticket at a desk; with a million
    visits of history a table scan there cost 0.4 s per call (measured by make bench)."""
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        def plan(sql: str, **params) -> str:
            return " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql),
                                                             params))
        desk = plan("SELECT id FROM tickets WHERE desk_id = :d AND state IN (:a, :b)",
                    d=1, a="called", b="in_service")
        open_one = plan("SELECT id FROM stopovers WHERE closed_at IS NULL")
    engine.dispose()
    assert "SEARCH" in desk and "ix_tickets_desk_state" in desk, desk
    assert "ix_stopovers_closed_at" in open_one, open_one


def test_the_console_and_the_figures_count_one_wait_to_the_first_call(open_ctx, clock):
    """The wait runs from the ticket to its first call, on the console's header as in the
    half-day's summary: a visitor put back and called again later did not wait twice (the
    console counted to the latest call: 25 min here instead of 20)."""
    services.take_ticket(open_ctx, HOUSING)       # n° 1 at 9:00
    services.take_ticket(open_ctx, HOUSING)       # n° 2 at 9:00
    clock.advance(minutes=10)
    services.call_next(open_ctx, 1)               # n° 1 first called at 9:10: waited 10 min
    services.put_back(open_ctx, 1)                # not ready: back at the head of the queue
    clock.advance(minutes=10)
    assert services.call_next(open_ctx, 1).number == 1   # n° 1 again at 9:20
    clock.advance(minutes=10)
    assert services.call_next(open_ctx, 2).number == 2   # n° 2 at 9:30: waited 30 min
    board = views.staff_board(open_ctx)
    summary = views.stopover_summary(open_ctx, board.queue.stopover.id)
    assert board.mean_wait_minutes == pytest.approx(20)
    assert summary.wait_mean_minutes == pytest.approx(20)
