"""The wait the kiosk shows: shared by the desks really at work, and said in words when it runs
past the closing time (issue #9, item 6); never collapsed by a few quick visits (issue #18,
item 6). Both backends."""

from __future__ import annotations

import datetime as dt

from kiosk import domain
from kiosk.content import i18n
from kiosk.core import services, staff
from kiosk.core.services import DemandeInput

HOUSING = "caf-aide-logement"  # typical 20 minutes in the catalogue


def _seat(ctx, name: str, desk: int) -> int:
    member = staff.add_staff(ctx, name, "animatrice", "1357")
    staff.login(ctx, member.id, "1357", desk)
    return member.id


def _queue(ctx, people: int) -> None:
    for _ in range(people):
        services.take_ticket(ctx, HOUSING)


def test_a_paused_animatrice_and_an_empty_desk_do_not_share_the_wait(open_ctx):
    """The morning of the issue: two animatrices logged in, one paused, and desk 3 left open
    by a bare `kiosk call` with nobody at it. Only desk 1 works: the wait is one desk's."""
    _queue(open_ctx, 6)
    _seat(open_ctx, "Marie", 1)
    _seat(open_ctx, "Josiane", 2)
    services.set_desk_status(open_ctx, 3, "open")  # no staff_id: nobody there
    both = services.take_ticket(open_ctx, HOUSING).wait
    assert both.desks == 2, "the empty desk 3 is not counted while someone is logged in"
    services.set_desk_status(open_ctx, 2, "paused")
    one = services.take_ticket(open_ctx, HOUSING).wait
    assert one.desks == 1
    typical = open_ctx.catalogue.procedure(HOUSING).typical_minutes
    assert one.low <= 8 * typical <= one.high  # 8 ahead on one desk, not shared by three
    assert one.high > both.high


def test_bare_open_desks_count_when_nobody_is_logged_in(open_ctx):
    """A demo or the command line: `kiosk call --desk 2` opens a desk with no staff."""
    _queue(open_ctx, 4)
    services.set_desk_status(open_ctx, 1, "open")
    services.set_desk_status(open_ctx, 2, "open")
    issued = services.take_ticket(open_ctx, HOUSING)
    assert (issued.wait.desks, issued.wait.known) == (2, True)


def test_with_no_desk_open_the_wait_is_not_divided_by_an_imaginary_desk(open_ctx):
    _queue(open_ctx, 3)
    issued = services.take_ticket(open_ctx, HOUSING)
    assert (issued.wait.desks, issued.wait.known) == (0, False)
    assert issued.wait.low > 0  # one desk's range stays in wait_minutes for old readers


def test_a_wait_past_one_o_clock_is_flagged_with_the_closing_time(open_ctx, clock):
    _seat(open_ctx, "Marie", 1)
    first = services.take_ticket(open_ctx, HOUSING)  # 9:00, nobody ahead
    assert first.half == "morning" and first.closes_at == dt.datetime(2026, 11, 26, 13, 0)
    assert not first.wait.past_closing
    clock.current = dt.datetime(2026, 11, 26, 11, 30)
    _queue(open_ctx, 4)  # 5 ahead x 20 min on one desk: 75 to 125 minutes, past 13:00
    late = services.take_ticket(open_ctx, HOUSING)
    assert late.people_ahead == 5 and late.wait.past_closing


def test_the_afternoon_closes_at_five(ctx, clock):
    clock.current = dt.datetime(2026, 11, 26, 16, 30)
    services.open_stopover(ctx, "ducos-bourg")
    _seat(ctx, "Marie", 1)
    _queue(ctx, 2)
    issued = services.take_ticket(ctx, HOUSING)
    assert issued.half == "afternoon" and issued.closes_at.hour == 17
    assert issued.wait.past_closing  # 40 minutes of work at 16:30


def _quick_visits(ctx, clock, staff_id: int, count: int, seconds: int) -> None:
    """Visits finished within a minute: a form printed, a visit closed by mistake."""
    for _ in range(count):
        services.take_ticket(ctx, HOUSING)
        called = services.call_next(ctx, 1, staff_id)
        clock.advance(seconds=seconds)
        services.finish_visit(ctx, called.number, [DemandeInput(HOUSING, "solved")],
                              staff_id=staff_id)


def _twenty_ninth_ahead(ctx):
    _queue(ctx, 29)
    issued = services.take_ticket(ctx, HOUSING)
    assert (issued.people_ahead, issued.wait.desks, issued.wait.known) == (29, 2, True)
    return issued.wait


def test_a_few_quick_visits_leave_the_catalogue_s_time(open_ctx, clock):
    """Four visits of 30 seconds are no median: the catalogue's 20 minutes stand."""
    marie = _seat(open_ctx, "Marie", 1)
    _seat(open_ctx, "Josiane", 2)
    _quick_visits(open_ctx, clock, marie, domain.MIN_SERVICES - 1, 30)
    wait = _twenty_ninth_ahead(open_ctx)
    typical = open_ctx.catalogue.procedure(HOUSING).typical_minutes
    assert wait.low <= 29 * typical / 2 <= wait.high
    assert wait.past_closing  # 290 minutes of work at 9:02: said, not promised


def test_twenty_nine_ahead_of_two_desks_never_read_less_than_five_minutes(open_ctx, clock):
    """The issue's kiosk: once five quick visits make a median of 30 seconds, the people ahead
    still count 3 minutes each at least: 29 on two desks wait 40 minutes or more."""
    marie = _seat(open_ctx, "Marie", 1)
    _seat(open_ctx, "Josiane", 2)
    _quick_visits(open_ctx, clock, marie, domain.MIN_SERVICES, 30)
    wait = _twenty_ninth_ahead(open_ctx)
    assert wait.as_list() == [40, 45]
    line = i18n.wait_text({"known": wait.known, "low": wait.low, "high": wait.high,
                           "past_closing": wait.past_closing})
    assert line == "Attente : 40 à 45 minutes"
