"""Small histories for the statistics tests, built through the real services with a hand-moved
clock, so that every figure in the tests can be computed by hand (see the comments)."""

from __future__ import annotations

import datetime as dt
import random

from kiosk.core import services as s
from kiosk.core.context import Context
from kiosk.core.services import DemandeInput


class HandClock:
    """Set the context's clock to a given moment (works with the tests' Clock and without)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.current = dt.datetime(2026, 1, 1)
        ctx.clock = lambda: self.current

    def at(self, day: dt.date, hhmm: str) -> None:
        hour, minute = (int(p) for p in hhmm.split(":"))
        self.current = dt.datetime.combine(day, dt.time(hour, minute))


def quarter_history(ctx: Context) -> None:
    """Q3 2026 (three stopovers), Q2 2026 (one) and Q3 2025 (one). Expected figures are in
    tests/service/test_statistics.py."""
    c = HandClock(ctx)

    # A. Ducos, bourg, Thursday 2 July 2026, morning: six visits.
    a = dt.date(2026, 7, 2)
    c.at(a, "07:55")
    s.open_stopover(ctx, "ducos-bourg", half="morning", day=a)
    c.at(a, "08:00")
    s.take_ticket(ctx, "caf-aide-logement")                              # n° 1 kiosk
    c.at(a, "08:02")
    s.take_ticket(ctx, "cgss-c2s", channel="console")                    # n° 2
    c.at(a, "08:05")
    s.take_ticket(ctx, "impots-declaration-revenus", language="gcf", channel="cli")  # n° 3
    c.at(a, "08:06")
    s.take_ticket(ctx, "caf-aide-logement")                              # n° 4
    c.at(a, "08:10")
    assert s.call_next(ctx, 1).number == 1                               # wait 600 s
    c.at(a, "08:12")
    assert s.call_next(ctx, 2).number == 2                               # wait 600 s (first call)
    c.at(a, "08:13")
    s.put_back(ctx, 2)
    c.at(a, "08:15")
    s.start_service(ctx, 1)
    c.at(a, "08:20")
    assert s.call_next(ctx, 2).number == 2                               # called again
    c.at(a, "08:21")
    s.recall(ctx, 2)
    c.at(a, "08:22")
    s.start_service(ctx, 2)
    c.at(a, "08:30")
    s.finish_visit(ctx, 1, [DemandeInput("caf-aide-logement", "solved"),
                            DemandeInput("cgss-c2s", "redirected", "CGSS"),
                            DemandeInput("impots-declaration-revenus", "follow_up")],
                   age_band="60-74", gender="femme", residence="97207")  # service 900 s
    c.at(a, "08:31")
    assert s.call_next(ctx, 1).number == 3                               # wait 1560 s
    c.at(a, "08:33")
    s.mark_absent(ctx, 3)
    c.at(a, "08:34")
    s.cancel_ticket(ctx, 4)
    c.at(a, "08:35")
    s.take_ticket(ctx, "caf-aide-logement")                              # n° 5
    c.at(a, "08:40")
    s.finish_visit(ctx, 2, [DemandeInput("cgss-c2s", "solved")],
                   residence="autre")                                   # service 1080 s
    c.at(a, "09:00")
    s.take_ticket(ctx, "caf-aide-logement")                              # n° 6
    c.at(a, "09:05")
    assert s.call_next(ctx, 1).number == 5                               # wait 1800 s
    c.at(a, "09:12")
    s.finish_visit(ctx, 5, [DemandeInput("caf-aide-logement", "solved")],
                   gender="homme", residence="97210")                   # no start: 420 s
    c.at(a, "09:15")
    assert s.close_stopover(ctx).unserved == 1                           # n° 6 unserved

    # B. Le Marin, bourg, Friday 14 August 2026, afternoon: two visits.
    b = dt.date(2026, 8, 14)
    c.at(b, "13:55")
    s.open_stopover(ctx, "marin-bourg", half="afternoon", day=b)
    c.at(b, "14:00")
    s.take_ticket(ctx, "caf-rsa")                                        # n° 1
    c.at(b, "14:01")
    s.take_ticket(ctx, "caf-rsa")                                        # n° 2
    c.at(b, "14:02")
    s.cancel_ticket(ctx, 2)
    c.at(b, "14:04")
    s.call_next(ctx, 1)                                                  # wait 240 s
    c.at(b, "14:10")
    s.finish_visit(ctx, 1, [DemandeInput("caf-rsa", "solved")])          # service 360 s
    c.at(b, "14:30")
    s.close_stopover(ctx)

    # C. Ducos, Génipa, Tuesday 1 September 2026, morning: open, nobody came.
    cc = dt.date(2026, 9, 1)
    c.at(cc, "08:00")
    s.open_stopover(ctx, "ducos-genipa", half="morning", day=cc)
    c.at(cc, "12:00")
    s.close_stopover(ctx)

    # Previous quarter: Ducos, bourg, 5 May 2026: one visit, wait 120 s.
    p = dt.date(2026, 5, 5)
    c.at(p, "08:00")
    s.open_stopover(ctx, "ducos-bourg", half="morning", day=p)
    s.take_ticket(ctx, "caf-rsa")
    c.at(p, "08:02")
    s.call_next(ctx, 1)
    c.at(p, "08:10")
    s.finish_visit(ctx, 1, [DemandeInput("caf-rsa", "solved")])
    s.close_stopover(ctx)

    # A year before: Ducos, bourg, 10 September 2025: one absent (wait 300 s), one follow-up
    # (wait 420 s).
    y = dt.date(2025, 9, 10)
    c.at(y, "08:00")
    s.open_stopover(ctx, "ducos-bourg", half="morning", day=y)
    s.take_ticket(ctx, "caf-rsa")
    c.at(y, "08:01")
    s.take_ticket(ctx, "cgss-c2s")
    c.at(y, "08:05")
    s.call_next(ctx, 1)
    c.at(y, "08:07")
    s.mark_absent(ctx, 1)
    c.at(y, "08:08")
    s.call_next(ctx, 1)
    c.at(y, "08:20")
    s.finish_visit(ctx, 2, [DemandeInput("cgss-c2s", "follow_up")])
    s.close_stopover(ctx)


PROCEDURES = ("caf-aide-logement", "caf-rsa", "cgss-c2s", "impots-declaration-revenus")
STOPS = ("ducos-bourg", "marin-bourg", "francois-bourg", "diamant-bourg")


def random_history(ctx: Context, seed: int, stopovers: int = 4, tickets: int = 12) -> None:
    """A random but reproducible history in July-September 2026: every kind of ending, profiles
    and several demandes, through the real services."""
    rng = random.Random(seed)
    c = HandClock(ctx)
    day = dt.date(2026, 7, 1)
    for index in range(stopovers):
        day += dt.timedelta(days=rng.randint(1, 20))
        half = rng.choice(["morning", "afternoon"])
        c.at(day, "08:00" if half == "morning" else "13:30")
        s.open_stopover(ctx, STOPS[index % len(STOPS)], half=half, day=day)
        taken = 0
        for _ in range(tickets * 4):
            c.current += dt.timedelta(seconds=rng.randint(10, 400))
            action = rng.random()
            if action < 0.45 and taken < tickets:
                s.take_ticket(ctx, rng.choice(PROCEDURES), priority=rng.random() < 0.1,
                              language=rng.choice(["fr", "fr", "gcf"]),
                              channel=rng.choice(["kiosk", "kiosk", "console", "cli"]))
                taken += 1
                continue
            _act(ctx, rng)
        _finish_in_service(ctx, rng)
        s.close_stopover(ctx)


def _finish_in_service(ctx: Context, rng: random.Random) -> None:
    from kiosk.core.views import queue_snapshot

    for row in queue_snapshot(ctx).called:
        if row.state == "in_service":
            s.finish_visit(ctx, row.number, [DemandeInput(rng.choice(PROCEDURES), "solved")])


def _act(ctx: Context, rng: random.Random) -> None:
    from kiosk.core.views import queue_snapshot
    from kiosk.errors import KioskError

    snap = queue_snapshot(ctx)
    choice = rng.random()
    try:
        if choice < 0.35:
            s.call_next(ctx, rng.randint(1, 2))
        elif snap.called:
            row = rng.choice(snap.called)
            kind = rng.random()
            if kind < 0.5:
                demandes = [DemandeInput(rng.choice(PROCEDURES),
                                         rng.choice(["solved", "solved", "redirected",
                                                     "follow_up"]),
                                         rng.choice([None, "CGSS", "Mairie"]))
                            for _ in range(rng.randint(1, 3))]
                s.finish_visit(ctx, row.number, demandes,
                               age_band=rng.choice([None, "26-44", "60-74"]),
                               gender=rng.choice([None, "femme", "homme"]),
                               residence=rng.choice([None, "97207", "97217", "autre",
                                                     "non-dit"]))
            elif kind < 0.6:
                s.mark_absent(ctx, row.number)
            elif kind < 0.7 and row.state == "called":
                s.put_back(ctx, row.number)
            elif kind < 0.8 and row.state == "called":
                s.recall(ctx, row.number)
            elif row.state == "called":
                s.start_service(ctx, row.number)
        elif snap.waiting and choice > 0.9:
            s.cancel_ticket(ctx, rng.choice(snap.waiting).number)
    except KioskError:
        pass  # nobody waiting, desk busy: the morning goes on
