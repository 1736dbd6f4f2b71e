"""Pure domain rules of the queue: states, transitions, order, wait estimate. No database here."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiosk import vocabulary


class State(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    IN_SERVICE = "in_service"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    UNSERVED = "unserved"
    WITHDRAWN = "withdrawn"


class Half(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"


class Outcome(StrEnum):
    SOLVED = "solved"
    REDIRECTED = "redirected"
    FOLLOW_UP = "follow_up"


# The enums name the codes for the code's readers; the vocabulary is their one definition.
for _enum, _codes in ((State, vocabulary.TICKET_STATES), (Half, vocabulary.HALVES),
                      (Outcome, vocabulary.OUTCOMES)):
    if [e.value for e in _enum] != list(_codes):
        raise ImportError(f"{_enum.__name__} differs from its vocabulary: {list(_codes)}")

class Role(StrEnum):
    ANIMATRICE = "animatrice"
    COORDINATOR = "coordinator"


if [r.value for r in Role] != list(vocabulary.ROLES):
    raise ImportError(f"Role differs from its vocabulary: {list(vocabulary.ROLES)}")

HALF_LABELS = {Half(code): text for code, text in vocabulary.HALVES.items()}

# Which action may move a ticket from which state, and where to.
TRANSITIONS: dict[str, tuple[frozenset[State], State]] = {
    "call": (frozenset({State.WAITING}), State.CALLED),
    "recall": (frozenset({State.CALLED}), State.CALLED),
    "start": (frozenset({State.CALLED}), State.IN_SERVICE),
    "put_back": (frozenset({State.CALLED}), State.WAITING),
    "absent": (frozenset({State.WAITING, State.CALLED}), State.NO_SHOW),
    "cancel": (frozenset({State.WAITING}), State.CANCELLED),
    "finish": (frozenset({State.CALLED, State.IN_SERVICE}), State.DONE),
    "close": (frozenset({State.WAITING, State.CALLED}), State.UNSERVED),
    "withdraw": (frozenset({State.WAITING}), State.WITHDRAWN),
}

ACTION_LABELS = {
    "call": "l'appeler",
    "recall": "le rappeler",
    "start": "commencer la visite",
    "put_back": "le remettre dans la file",
    "absent": "le marquer absent",
    "cancel": "l'annuler",
    "finish": "terminer la visite",
    "close": "le clore",
    "withdraw": "le retirer",
}

ACTIVE_STATES = frozenset({State.WAITING, State.CALLED, State.IN_SERVICE})


def can(action: str, state: str) -> bool:
    sources, _ = TRANSITIONS[action]
    return State(state) in sources


def target(action: str) -> State:
    return TRANSITIONS[action][1]


# When the bus stops receiving, by half-day: the one place these hours are written.
CLOSING_TIMES = {Half.MORNING: dt.time(13, 0), Half.AFTERNOON: dt.time(17, 0)}


def closing_time(day: dt.date, half: str) -> dt.datetime:
    """When the stopover of `day`'s `half` stops receiving visitors (naive local time)."""
    return dt.datetime.combine(day, CLOSING_TIMES[Half(half)])


# A stopover belongs to one day and one half. One nobody closed is "left open" once its day is
# over: it takes no ticket and no call, the screens call it closed and the staff are asked to
# close it at its true end. Otherwise a PC switched off on Monday and on again next week filed
# the new tickets under Monday's stopover, with waits of a week. Within its day it serves on:
# the last visits of a morning may run into the afternoon.


def serving_limit(day: dt.date) -> dt.datetime:
    """The end of the stopover's day: from then on it is left open."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def left_open(day: dt.date, now: dt.datetime) -> bool:
    """True when the stopover of `day` is still open at `now`, a later day."""
    return now >= serving_limit(day)


def true_closing(day: dt.date, half: str, last_activity: dt.datetime | None) -> dt.datetime:
    """When a stopover left open really ended: its half-day's closing time, or its last
    recorded activity if that came later (a visit that ran late)."""
    closing = closing_time(day, half)
    if last_activity is not None and last_activity > closing:
        closing = last_activity
    return min(closing, serving_limit(day))


@dataclass(frozen=True)
class WaitRange:
    """Minutes before one's turn. `desks` is how many desks share the work ahead: 0 when none
    is open, and the range is then only what one desk would take (`known` is False: say so
    rather than show it). `past_closing`: the range runs past the closing time."""

    low: int
    high: int
    desks: int = 1
    past_closing: bool = False

    @property
    def known(self) -> bool:
        return self.desks > 0

    def as_list(self) -> list[int]:
        return [self.low, self.high]


ROUNDING_MINUTES = 5
# Below this many finished visits of a procedure, their median is not trusted: three quick ones
# (a form printed, a visit finished by mistake) made it a minute, and 29 people ahead on two
# desks read "0 à 5 min" (issue #18, item 6). The catalogue's estimate stands until then.
MIN_SERVICES = 5
# Nobody is served faster than this, whatever the recent visits say: the wait's lower bound
# grows by this much per person ahead and desk open (29 ahead on 2 desks: 40 minutes at least).
MIN_MINUTES_PER_VISIT = 3


def wait_range(ahead_minutes: Sequence[float], open_desks: int,
               now: dt.datetime | None = None, closes_at: dt.datetime | None = None) -> WaitRange:
    """Rounded range of minutes before one's turn.

    The work ahead (sum of the typical service time of each person ahead) is shared by the open
    desks; the range spreads ±25 % around it and is rounded outward to 5 minutes, because a
    precise-looking number would be a promise the bus cannot keep. Whatever the typical times,
    each person ahead counts at least MIN_MINUTES_PER_VISIT of a desk: the more people ahead
    and the fewer desks, the later the range starts. With no desk open the work is not divided
    by a desk that does not exist: the range is that of one desk and marked unknown.
    Given `now` and `closes_at`, `past_closing` says whether the end of the range (or, unknown,
    its start) falls after the closing time: a visitor must hear it before she waits for nothing.
    """
    desks = max(open_desks, 0)
    sharing = max(desks, 1)
    minutes = sum(ahead_minutes) / sharing
    least = len(ahead_minutes) * MIN_MINUTES_PER_VISIT / sharing
    if not ahead_minutes:
        low, high = 0, ROUNDING_MINUTES
    else:
        low = math.floor(max(minutes * 0.75, least) / ROUNDING_MINUTES) * ROUNDING_MINUTES
        high = math.ceil(max(minutes * 1.25, least) / ROUNDING_MINUTES) * ROUNDING_MINUTES
        if high <= low:
            high = low + ROUNDING_MINUTES
    past = False
    if now is not None and closes_at is not None:
        # no desk open: the one-desk range overstates the wait, so only its start counts
        horizon = high if desks else low
        past = now + dt.timedelta(minutes=horizon) > closes_at
    return WaitRange(low, high, desks, past)


def typical_minutes(recent_service_seconds: Sequence[float], catalogue_minutes: int) -> float:
    """Median of recent services of a procedure; the catalogue's estimate until there are
    MIN_SERVICES of them."""
    if len(recent_service_seconds) < MIN_SERVICES:
        return float(catalogue_minutes)
    return statistics.median(recent_service_seconds) / 60.0
