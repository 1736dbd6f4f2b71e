"""The visitor's presence at the kiosk, in plain Python (no Kivy, no clock of its own): how long
each screen waits for a touch, when the "still there?" warning shows, when the kiosk goes back to
Accueil by itself, and how long "Revoir mon ticket n° 12" stays offered afterwards.

The Kivy app (screens/visitor_app.py) tells it of every touch and asks it, four times a second,
what to do; the unit tests drive it with their own clock (tests/unit/test_presence.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

LAST_TICKET_SECONDS = 600.0  # "Revoir mon ticket n° 12" stays on Accueil this long at most


class Idle(enum.Enum):
    """What the kiosk does after a check."""

    STAY = "stay"                    # she is there (or the warning's time has not come)
    WARN = "warn"                    # "Vous êtes toujours là ?" over the screen
    HOME = "home"                    # she went away: back to Accueil, her choices forgotten
    FORGET_CHOICES = "forget"        # on Accueil: the large text or Kréyòl she asked is undone


@dataclass
class Presence:
    """The delays come from the kiosk's options (KioskOptions); times are the caller's clock
    (time.monotonic() in the app)."""

    idle_seconds: float
    ticket_seconds: float
    after_print_seconds: float
    warn_seconds: float
    last_touch: float = 0.0
    returns: int = 0  # screens left without a touch for too long (the log, the tests)
    forgets: int = 0  # large text or Kréyòl undone on Accueil after a visitor went away
    last_ticket: dict[str, Any] = field(default_factory=dict)
    last_ticket_until: float = 0.0

    def touched(self, now: float) -> None:
        self.last_touch = now

    def patience(self, screen: str, printed: bool) -> float:
        """Seconds without a touch before `screen` goes back to Accueil: the ticket and its QR
        code wait longer, and less once the ticket is printed (she has it in hand)."""
        if screen in ("ticket", "qr"):
            return float(self.after_print_seconds if printed else self.ticket_seconds)
        return float(self.idle_seconds)

    def check(self, now: float, screen: str, *, busy: bool, printed: bool,
              chose: bool) -> Idle:
        """What to do now. `busy`: she waits for the kiosk (a ticket being made), so she has not
        gone away; `chose`: she asked for large text or Kréyòl."""
        idle = now - self.last_touch
        if screen == "accueil":
            if chose and idle >= self.idle_seconds:
                self.forgets += 1
                return Idle.FORGET_CHOICES  # asked for large text or Créole, then went away
            return Idle.STAY
        if busy:
            return Idle.STAY
        patience = self.patience(screen, printed)
        if idle >= patience:
            self.returns += 1
            return Idle.HOME
        # never more than a third of the delay: a short delay (tests) still shows the screen
        warn = min(float(self.warn_seconds), patience / 3)
        return Idle.WARN if idle >= patience - warn else Idle.STAY

    def keep_ticket(self, ticket: dict[str, Any], now: float) -> None:
        """Her ticket screen closed: the ticket stays offered on Accueil a while."""
        self.last_ticket = dict(ticket)
        self.last_ticket_until = now + LAST_TICKET_SECONDS

    def last_ticket_expired(self, now: float, is_open: bool) -> bool:
        """True once when the ticket kept must go: its time is over, or the bus closed."""
        if self.last_ticket and (now >= self.last_ticket_until or not is_open):
            self.last_ticket = {}
            return True
        return False
