"""Pure domain rules of the queue: states, transitions, order, wait estimate. No database here."""

from __future__ import annotations

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


@dataclass(frozen=True)
class WaitRange:
    low: int
    high: int

    def as_list(self) -> list[int]:
        return [self.low, self.high]


ROUNDING_MINUTES = 5


def wait_range(ahead_minutes: Sequence[float], open_desks: int) -> WaitRange:
    """Rounded range of minutes before one's turn.

    The work ahead (sum of the typical service time of each person ahead) is shared by the open
    desks; the range spreads ±25 % around it and is rounded outward to 5 minutes, because a
    precise-looking number would be a promise the bus cannot keep.
    """
    desks = max(open_desks, 1)
    minutes = sum(ahead_minutes) / desks
    if minutes <= 0:
        return WaitRange(0, ROUNDING_MINUTES)
    low = math.floor(minutes * 0.75 / ROUNDING_MINUTES) * ROUNDING_MINUTES
    high = math.ceil(minutes * 1.25 / ROUNDING_MINUTES) * ROUNDING_MINUTES
    if high <= low:
        high = low + ROUNDING_MINUTES
    return WaitRange(low, high)


def typical_minutes(recent_service_seconds: Sequence[float], catalogue_minutes: int) -> float:
    """Median of recent services of a procedure; the catalogue's estimate until there are 3."""
    if len(recent_service_seconds) < 3:
        return float(catalogue_minutes)
    return statistics.median(recent_service_seconds) / 60.0
