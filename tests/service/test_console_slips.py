"""Issue #9, the animatrice's slips, in the core (each test on SQLite and on PostgreSQL):
transfers only to a desk where someone receives, a short undo of "Absent" and "Annuler le
ticket", one line per failing device cleared by its recovery, one "Derniers appels" line per
number."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Desk, Ticket
from kiosk.core import services, staff, views
from kiosk.core.services import DemandeInput
from kiosk.errors import DeskNotReady, NothingToUndo, UndoTooLate
from kiosk.reports import statistics
from kiosk.reports.periods import Period
from tests.service.eventlog import events

HOUSING = "caf-aide-logement"


def _ticket(ctx, number):
    with ctx.read() as s:
        return s.scalars(select(Ticket).where(Ticket.number == number)).one()


def _seat(ctx, name, desk):
    """An animatrice logged in at a desk, as the console does."""
    member = staff.add_staff(ctx, name, "animatrice", "1357")
    staff.login(ctx, member.id, "1357", desk)
    return member.id


# ---------------------------------------------------------------- 8. transfers


def test_a_transfer_to_a_closed_paused_or_unstaffed_desk_is_refused_and_writes_nothing(open_ctx):
    ctx = open_ctx
    _seat(ctx, "Marie", 1)
    services.take_ticket(ctx, HOUSING)
    services.call_next(ctx, 1)
    before = views.queue_revision(ctx)
    with pytest.raises(DeskNotReady, match="poste 3 est fermé"):  # nobody ever opened it
        services.transfer_ticket(ctx, 1, 3)
    services.set_desk_status(ctx, 3, "open")  # opened by hand, yet nobody is logged in
    with pytest.raises(DeskNotReady, match="poste 3 n'a personne de connecté"):
        services.transfer_ticket(ctx, 1, 3)
    josiane = _seat(ctx, "Josiane", 3)
    services.set_desk_status(ctx, 3, "paused", josiane)
    before = views.queue_revision(ctx)
    with pytest.raises(DeskNotReady, match="poste 3 est en pause"):
        services.transfer_ticket(ctx, 1, 3)
    assert views.queue_revision(ctx) == before
    assert not events(ctx, "ticket_transferred")
    assert (_ticket(ctx, 1).desk_id, _ticket(ctx, 1).recall_count) == (1, 0)
    assert views.last_calls(ctx)[0].desk == 1  # the kiosk announced nothing new
    services.set_desk_status(ctx, 3, "open", josiane)
    moved = services.transfer_ticket(ctx, 1, 3)
    assert moved.desk == 3


# ---------------------------------------------------------------- 9. undo


def test_undo_absent_calls_the_visitor_again_at_the_same_free_desk(open_ctx, clock):
    ctx = open_ctx
    services.take_ticket(ctx, HOUSING)
    clock.advance(minutes=7)
    services.call_next(ctx, 2)
    before = _ticket(ctx, 1)
    clock.advance(seconds=20)
    assert services.mark_absent(ctx, 1).state == "no_show"
    clock.advance(seconds=5)
    undone = services.undo_absent(ctx, 1, None)
    assert (undone.state, undone.desk) == ("called", 2)
    after = _ticket(ctx, 1)
    assert after.ended_at is None
    assert (after.first_called_at, after.called_at, after.wait_seconds) == (
        before.first_called_at, before.called_at, 7 * 60)
    assert [e.kind for e in events(ctx) if e.ticket_id == after.id][-2:] == [
        "ticket_no_show", "ticket_no_show_undone"]
    # the visit goes on as if the slip never happened: the statistics count one visit served
    services.finish_visit(ctx, 1, [DemandeInput(HOUSING, "solved")])
    day = clock.current.date()
    totals = statistics.compute(ctx, Period.between(day, day)).totals
    assert (totals.visits, totals.served, totals.absent) == (1, 1, 0)
    assert totals.wait_mean_minutes == 7


def test_undo_absent_puts_the_ticket_back_at_its_place_when_the_desk_has_moved_on(open_ctx):
    ctx = open_ctx
    for _ in range(3):
        services.take_ticket(ctx, HOUSING)
    services.call_next(ctx, 1)
    services.mark_absent(ctx, 1)
    services.call_next(ctx, 1)  # desk 1 already calls n° 2
    undone = services.undo_absent(ctx, 1, None)
    assert (undone.state, undone.desk) == ("waiting", None)
    assert [w.number for w in views.queue_snapshot(ctx).waiting] == [1, 3]
    assert _ticket(ctx, 1).ended_at is None
    assert services.call_next(ctx, 3).number == 1  # its original place: first in line


def test_undo_cancel_puts_the_ticket_back_at_its_original_place(open_ctx):
    ctx = open_ctx
    for _ in range(3):
        services.take_ticket(ctx, HOUSING)
    services.cancel_ticket(ctx, 2)
    services.mark_absent(ctx, 3)  # a waiting ticket marked absent comes back waiting too
    assert services.undo_cancel(ctx, 2, None).state == "waiting"
    assert services.undo_absent(ctx, 3, None).state == "waiting"
    assert [w.number for w in views.queue_snapshot(ctx).waiting] == [1, 2, 3]
    assert _ticket(ctx, 2).ended_at is None and _ticket(ctx, 2).wait_seconds is None
    assert [e.kind for e in events(ctx, "ticket_cancel_undone")] == ["ticket_cancel_undone"]


def test_undo_is_refused_when_too_late_or_when_something_happened_since(open_ctx, clock):
    ctx = open_ctx
    for _ in range(3):
        services.take_ticket(ctx, HOUSING)
    services.cancel_ticket(ctx, 1)
    clock.advance(minutes=2, seconds=1)
    before = views.queue_revision(ctx)
    with pytest.raises(UndoTooLate, match="n° 1"):
        services.undo_cancel(ctx, 1, None)
    assert views.queue_revision(ctx) == before and _ticket(ctx, 1).state == "cancelled"
    services.cancel_ticket(ctx, 2)
    services.undo_cancel(ctx, 2, None)
    with pytest.raises(NothingToUndo):  # undone once: nothing left to undo
        services.undo_cancel(ctx, 2, None)
    with pytest.raises(NothingToUndo):  # never marked absent
        services.undo_absent(ctx, 3, None)
    services.call_next(ctx, 1)
    services.mark_absent(ctx, 2)
    with pytest.raises(NothingToUndo):  # an absence is not a cancellation
        services.undo_cancel(ctx, 2, None)


def test_an_undone_absence_on_a_paused_desk_waits_in_the_queue(open_ctx):
    ctx = open_ctx
    services.take_ticket(ctx, HOUSING)
    services.call_next(ctx, 1)
    services.mark_absent(ctx, 1)
    services.set_desk_status(ctx, 1, "paused")
    assert services.undo_absent(ctx, 1, None).state == "waiting"
    with ctx.read() as s:
        assert s.get(Desk, 1).status == "paused"


# ---------------------------------------------------------------- 11. device problems


def test_one_problem_per_device_cleared_by_its_next_success(open_ctx, clock):
    ctx = open_ctx
    revision = views.queue_revision(ctx)
    services.record_device_problem(ctx, "audio", "voice-0002.wav : pas de sortie audio (durée 0)")
    first = clock.current
    assert views.queue_revision(ctx) == revision + 1  # the console must show it now
    for minute in range(1, 4):
        clock.current = first + dt.timedelta(minutes=minute)
        services.record_device_problem(ctx, "audio", f"voice-000{minute + 2}.wav : pas de sortie")
    services.record_device_problem(ctx, "printer", "lp : plus de papier", 4)
    assert views.queue_revision(ctx) == revision + 2  # repeats of a known failure: no refresh
    problems = {p.device: p for p in views.staff_board(ctx).problems}
    assert set(problems) == {"printer", "audio"}
    assert (problems["audio"].at, problems["audio"].failures) == (first, 4)
    assert "voice-0005.wav" in problems["audio"].message  # the latest detail, for the log
    assert services.record_device_ok(ctx, "printer") is True
    assert services.record_device_ok(ctx, "printer") is False  # already working: no write
    assert views.queue_revision(ctx) == revision + 3
    assert [p.device for p in views.staff_board(ctx).problems] == ["audio"]
    assert len(events(ctx, "printer_recovered")) == 1
    clock.advance(minutes=10)
    services.record_device_problem(ctx, "printer", "lp : bourrage")
    again = {p.device: p for p in views.staff_board(ctx).problems}["printer"]
    assert (again.at, again.failures) == (clock.current, 1)  # a new run: "depuis" restarts


def test_a_printed_slip_clears_the_printer_problem(open_ctx, tmp_path):
    from kiosk.apps.visitor import VisitorService
    from kiosk.output.printing import FilePrinter

    services.record_device_problem(open_ctx, "printer", "lp : plus de papier")
    number = services.take_ticket(open_ctx, HOUSING).number
    outcome = VisitorService(open_ctx, FilePrinter(tmp_path / "out")).print_checklist(HOUSING,
                                                                                       number)
    assert outcome.ok
    assert views.staff_board(open_ctx).problems == ()


def test_problems_of_yesterday_are_not_shown_today(open_ctx, clock):
    services.record_device_problem(open_ctx, "speech", "espeak-ng n'est pas installé")
    clock.advance(minutes=24 * 60)
    assert views.staff_board(open_ctx).problems == ()


# ---------------------------------------------------------------- 12. Derniers appels


def test_last_calls_list_a_recalled_number_once_at_its_latest_call(open_ctx):
    ctx = open_ctx
    _seat(ctx, "Josiane", 3)
    for _ in range(3):
        services.take_ticket(ctx, HOUSING)
    services.call_next(ctx, 1)
    services.call_next(ctx, 2)
    services.recall(ctx, 1)
    services.recall(ctx, 1)
    calls = views.last_calls(ctx)
    assert [(c.number, c.desk, c.recall) for c in calls] == [(1, 1, True), (2, 2, False)]
    services.transfer_ticket(ctx, 2, 3)
    assert [(c.number, c.desk) for c in views.last_calls(ctx)] == [(2, 3), (1, 1)]
    services.call_next(ctx, 2)
    assert [c.number for c in views.last_calls(ctx, limit=2)] == [3, 2]
