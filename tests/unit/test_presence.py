"""The visitor's presence without a window: the delays, the warning, the return to Accueil and
the ticket kept for "Revoir mon ticket", on a clock the test moves (seconds from 1000)."""

from __future__ import annotations

import pytest

from kiosk.apps import presence
from kiosk.apps.presence import Idle, Presence


def kiosk(**delays: float) -> Presence:
    options = {"idle_seconds": 45, "ticket_seconds": 120, "after_print_seconds": 30,
               "warn_seconds": 15} | delays
    return Presence(**options, last_touch=1000.0)


def check(p: Presence, at: float, screen: str, busy: bool = False, printed: bool = False,
          chose: bool = False) -> Idle:
    return p.check(1000.0 + at, screen, busy=busy, printed=printed, chose=chose)


def test_a_screen_warns_fifteen_seconds_before_going_home():
    p = kiosk()
    assert check(p, 29.9, "organisme") is Idle.STAY
    assert check(p, 30.0, "organisme") is Idle.WARN
    assert check(p, 44.9, "demarche") is Idle.WARN
    assert p.returns == 0
    assert check(p, 45.0, "demarche") is Idle.HOME
    assert p.returns == 1


def test_a_touch_starts_the_count_again():
    p = kiosk()
    assert check(p, 40, "organisme") is Idle.WARN
    p.touched(1040.0)
    assert check(p, 60, "organisme") is Idle.STAY
    assert check(p, 84.9, "organisme") is Idle.WARN
    assert check(p, 85, "organisme") is Idle.HOME


def test_the_ticket_waits_longer_and_less_once_printed():
    p = kiosk()
    assert p.patience("ticket", printed=False) == 120 and p.patience("qr", printed=False) == 120
    assert p.patience("ticket", printed=True) == 30
    assert p.patience("organisme", printed=True) == 45
    assert check(p, 100, "ticket") is Idle.STAY
    assert check(p, 105, "qr") is Idle.WARN
    assert check(p, 29, "ticket", printed=True) is Idle.WARN  # 15 s before the 30 s
    assert check(p, 30, "ticket", printed=True) is Idle.HOME


def test_a_visitor_waiting_for_her_ticket_is_never_taken_for_gone():
    p = kiosk()
    assert check(p, 500, "organisme", busy=True) is Idle.STAY
    assert p.returns == 0
    assert check(p, 500, "organisme") is Idle.HOME


def test_accueil_never_goes_home_but_forgets_large_text_and_kreyol():
    p = kiosk()
    assert check(p, 10_000, "accueil") is Idle.STAY
    assert check(p, 44, "accueil", chose=True) is Idle.STAY
    assert check(p, 45, "accueil", chose=True) is Idle.FORGET_CHOICES
    assert p.returns == 0


@pytest.mark.parametrize("delay, warn_from", [(2, 2 - 2 / 3), (6, 4), (45, 30)])
def test_the_warning_never_takes_more_than_a_third_of_a_short_delay(delay, warn_from):
    p = kiosk(idle_seconds=delay, warn_seconds=15)
    assert check(p, warn_from - 0.01, "organisme") is Idle.STAY
    assert check(p, warn_from, "organisme") is Idle.WARN


def test_the_last_ticket_is_kept_ten_minutes_or_until_the_bus_closes(monkeypatch):
    p = kiosk()
    p.keep_ticket({"number": 12}, 1000.0)
    assert p.last_ticket == {"number": 12}
    assert not p.last_ticket_expired(1000.0 + presence.LAST_TICKET_SECONDS - 1, is_open=True)
    assert p.last_ticket_expired(1000.0 + presence.LAST_TICKET_SECONDS, is_open=True)
    assert p.last_ticket == {}
    assert not p.last_ticket_expired(5000.0, is_open=True), "said once"
    p.keep_ticket({"number": 13}, 2000.0)
    assert p.last_ticket_expired(2001.0, is_open=False), "the bus closed"
    monkeypatch.setattr(presence, "LAST_TICKET_SECONDS", 1.0)
    p.keep_ticket({"number": 14}, 3000.0)
    assert p.last_ticket_expired(3001.0, is_open=True)
