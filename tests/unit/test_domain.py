"""Domain rules, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk import domain
from kiosk.domain import State


@pytest.mark.parametrize("action, allowed", [
    ("call", {"waiting"}),
    ("recall", {"called"}),
    ("start", {"called"}),
    ("put_back", {"called"}),
    ("absent", {"waiting", "called"}),
    ("cancel", {"waiting"}),
    ("finish", {"called", "in_service"}),
    ("close", {"waiting", "called"}),
])
def test_each_action_is_allowed_only_from_its_states(action, allowed):
    assert {s.value for s in State if domain.can(action, s)} == allowed


def test_finished_tickets_never_move_again():
    for state in ("done", "no_show", "cancelled", "unserved"):
        assert not any(domain.can(action, state) for action in domain.TRANSITIONS)


def test_nobody_ahead_gives_zero_to_five_minutes():
    assert domain.wait_range([], 2).as_list() == [0, 5]


def test_wait_range_is_rounded_outward_to_five_minutes():
    # 3 people x 20 minutes on 2 desks = 30 minutes, spread +-25 %
    assert domain.wait_range([20, 20, 20], 2).as_list() == [20, 40]


def test_wait_range_never_divides_by_zero_desks():
    assert domain.wait_range([10], 0).as_list() == domain.wait_range([10], 1).as_list()


def test_with_no_desk_open_the_wait_is_marked_unknown():
    nobody = domain.wait_range([20, 20], 0)
    assert (nobody.desks, nobody.known) == (0, False)
    assert domain.wait_range([20, 20], 1).known


def test_the_bus_closes_at_one_in_the_morning_half_and_five_in_the_afternoon():
    day = dt.date(2026, 11, 26)
    assert domain.closing_time(day, "morning") == dt.datetime(2026, 11, 26, 13, 0)
    assert domain.closing_time(day, "afternoon") == dt.datetime(2026, 11, 26, 17, 0)


def test_a_wait_running_past_the_closing_time_says_so():
    closes = dt.datetime(2026, 11, 26, 13, 0)
    # 60 minutes of work on one desk: 45 to 75 minutes; at noon the end is past one o'clock
    late = domain.wait_range([30, 30], 1, now=dt.datetime(2026, 11, 26, 12, 0), closes_at=closes)
    assert (late.as_list(), late.past_closing) == ([45, 75], True)
    early = domain.wait_range([30, 30], 1, now=dt.datetime(2026, 11, 26, 9, 0), closes_at=closes)
    assert not early.past_closing
    assert not domain.wait_range([30, 30], 1).past_closing  # no time given: nothing claimed
    # nobody at a desk: the one-desk range overstates, only its start is held against closing
    assert not domain.wait_range([30, 30], 0, now=dt.datetime(2026, 11, 26, 12, 0),
                                 closes_at=closes).past_closing


def test_wait_range_is_never_a_single_number():
    wait = domain.wait_range([4], 1)
    assert wait.high > wait.low


def test_typical_time_is_the_median_once_there_are_three_services():
    assert domain.typical_minutes([600, 600], 25) == 25
    assert domain.typical_minutes([600, 600, 3600], 25) == 10
