"""`kiosk demo` on the next day (issue #18, item 1): yesterday's demo stopover, left open with a
visit in progress, is closed at its true end and today's is opened, so the demo never shows the
bus closed. Both backends, on the suite's clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.models import Stopover
from kiosk.apps.demo import seed_demo
from kiosk.core import services, views


def test_the_next_days_demo_closes_yesterdays_and_opens_today(ctx, clock):
    services.init_database(ctx)
    services.open_stopover(ctx, "ducos-bourg")  # a closed stopover: no year of history to seed
    services.close_stopover(ctx)
    clock.advance(minutes=30)
    services.open_stopover(ctx, "marin-bourg")  # the demo of Thursday, left open
    services.take_ticket(ctx, "autre")
    services.call_next(ctx, 1)
    services.start_service(ctx, 1)
    clock.current = dt.datetime(2026, 11, 27, 9, 0)  # Friday
    said = seed_demo(ctx)
    opened = views.open_stopover(ctx)
    assert opened is not None and opened.day == dt.date(2026, 11, 27)
    assert not opened.left_open(clock.current)
    assert "Escale ouverte" in said
    with ctx.read() as session:
        thursday = session.scalars(select(Stopover).where(Stopover.stop_id == "marin-bourg")).one()
    # its visit in progress ended at the end of its day at the latest, and it closed then
    assert thursday.closed_at == dt.datetime(2026, 11, 27, 0, 0)


def test_the_demo_accounts_are_said_in_french(ctx):
    from kiosk.apps.demo import _demo_staff

    services.init_database(ctx)
    said = _demo_staff(ctx)
    assert said == ("Comptes de démonstration : Marie (animatrice, code 1111), "
                    "Josiane (coordinatrice, code 2222)")


def test_the_demo_run_again_after_a_closing_the_same_morning_reopens_it(ctx, clock):
    services.init_database(ctx)
    services.open_stopover(ctx, "ducos-bourg")  # a closed stopover: no year of history to seed
    services.close_stopover(ctx)
    planned = views.today_stop(ctx)
    stop_id = planned.stop_id if planned is not None else "ducos-bourg"
    services.open_stopover(ctx, stop_id, reopen=True)
    services.close_stopover(ctx)  # she tried "Fermer l'escale" in the demo
    seed_demo(ctx)
    opened = views.open_stopover(ctx)
    assert opened is not None and opened.stop_id == stop_id
