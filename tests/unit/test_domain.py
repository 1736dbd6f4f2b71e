"""Domain rules, no database."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk import domain
from kiosk.content import i18n
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


def test_typical_time_is_the_median_once_there_are_five_services():
    assert domain.typical_minutes([600, 600], 25) == 25
    assert domain.typical_minutes([600, 600, 3600, 3600], 25) == 25
    assert domain.typical_minutes([600, 600, 600, 3600, 3600], 25) == 10


def test_a_few_quick_visits_do_not_make_the_typical_time():
    """Issue #18, item 6: three or four visits finished within a minute made the median."""
    assert domain.typical_minutes([20, 40, 30, 25], 20) == 20


def test_twenty_nine_people_ahead_of_two_desks_never_read_zero_to_five_minutes():
    """The issue's kiosk: quick visits made each person ahead worth half a minute."""
    wait = domain.wait_range([0.5] * 29, 2)
    assert wait.as_list() == [40, 45]  # 29 x 3 minutes / 2 desks = 43.5: from 40 at least
    assert i18n.wait_text({"known": True, "low": wait.low, "high": wait.high}) == \
        "Attente : 40 à 45 minutes"
    # the real kiosk's 38 ahead, whatever the desks, never "moins de 5 minutes"
    for desks in range(0, 5):
        assert domain.wait_range([0.0] * 38, desks).low >= 25


def test_the_lower_bound_grows_with_the_people_ahead_and_falls_with_the_desks():
    for typical in (0.0, 0.5, 3.0, 20.0):
        for desks in (1, 2, 3, 4):
            lows = [domain.wait_range([typical] * ahead, desks).low for ahead in range(60)]
            assert lows == sorted(lows), (typical, desks)
            for ahead, low in enumerate(lows):
                floor = ahead * domain.MIN_MINUTES_PER_VISIT / desks
                assert low >= floor - domain.ROUNDING_MINUTES, (typical, desks, ahead, low)
        for ahead in range(60):
            by_desks = [domain.wait_range([typical] * ahead, d).low for d in (1, 2, 3, 4)]
            assert by_desks == sorted(by_desks, reverse=True), (typical, ahead)


@pytest.mark.parametrize("language", ["fr", "gcf"])
def test_every_range_reads_as_a_correct_sentence(language):
    """The kiosk's wait line for every range the estimate can give: "moins de N" from zero,
    "N à M" otherwise, plural minutes, never "0 à" nor a single number."""
    short = {"fr": r"Attente : moins de (\d+) minutes", "gcf": r"Tann : mwens ki (\d+) minit"}
    span = {"fr": r"Attente : (\d+) à (\d+) minutes", "gcf": r"Tann : (\d+) a (\d+) minit"}
    for typical in (0.0, 0.5, 2.0, 7.0, 20.0, 45.0):
        for desks in (1, 2, 4):
            for ahead in range(0, 40):
                wait = domain.wait_range([typical] * ahead, desks)
                text = i18n.wait_text({"known": True, "low": wait.low, "high": wait.high},
                                      language)
                if wait.low == 0:
                    found = re.fullmatch(short[language], text)
                    assert found and int(found[1]) == wait.high >= 5, text
                else:
                    found = re.fullmatch(span[language], text)
                    assert found, text
                    low, high = int(found[1]), int(found[2])
                    assert 0 < low < high and low % 5 == high % 5 == 0, text
