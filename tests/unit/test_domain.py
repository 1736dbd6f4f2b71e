"""Domain rules, no database."""

from __future__ import annotations

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
    assert domain.wait_range([10], 0) == domain.wait_range([10], 1)


def test_wait_range_is_never_a_single_number():
    wait = domain.wait_range([4], 1)
    assert wait.high > wait.low


def test_typical_time_is_the_median_once_there_are_three_services():
    assert domain.typical_minutes([600, 600], 25) == 25
    assert domain.typical_minutes([600, 600, 3600], 25) == 10
