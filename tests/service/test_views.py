"""Read models: the queue board, the last calls, today's stop and the next passages."""

from __future__ import annotations

import datetime as dt

from kiosk.core import services, views

HOUSING = "caf-aide-logement"


def test_snapshot_without_stopover_is_empty(ctx):
    snap = views.queue_snapshot(ctx)
    assert snap.stopover is None and snap.waiting == () and snap.called == ()


def test_snapshot_lists_waiting_in_call_order_and_desks(open_ctx, clock):
    services.take_ticket(open_ctx, HOUSING)
    clock.advance(minutes=2)
    services.take_ticket(open_ctx, "autre", priority=True)
    clock.advance(minutes=1)
    services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 3)
    clock.advance(seconds=30)
    snap = views.queue_snapshot(open_ctx)
    assert snap.stopover.stop_id == "ducos-bourg"
    assert snap.stopover.commune_name == "Ducos"
    assert [(w.number, w.priority, w.waited_seconds) for w in snap.waiting] == [
        (1, False, 210), (3, False, 30)]
    assert [(c.number, c.desk, c.state) for c in snap.called] == [(2, 3, "called")]
    data = snap.as_json()
    assert set(data) >= {"stopover", "waiting", "called"}
    assert data["waiting"][0] == {"number": 1, "procedure": HOUSING, "priority": False,
                                  "waited_seconds": 210}
    assert data["called"][0]["number"] == 2 and data["called"][0]["desk"] == 3


def test_last_calls_newest_first(open_ctx):
    for _ in range(3):
        services.take_ticket(open_ctx, HOUSING)
    services.call_next(open_ctx, 1)
    services.call_next(open_ctx, 2)
    services.recall(open_ctx, 1)
    calls = views.last_calls(open_ctx)
    # one line per number, its latest call: the recalled n° 1 is not listed twice (issue #9)
    assert [(c.number, c.desk, c.recall) for c in calls] == [(1, 1, True), (2, 2, False)]


def test_today_stop_follows_the_schedule(ctx):
    today = views.today_stop(ctx, dt.date(2026, 11, 26))
    assert today is not None and today.commune_name == "Le François"
    assert views.today_stop(ctx, dt.date(2026, 11, 28)) is None  # a Saturday


def test_next_passages_in_a_commune_are_after_today_and_ordered(ctx):
    passages = views.next_passages(ctx, "97207", after=dt.date(2026, 11, 26), limit=3)
    assert len(passages) == 3
    days = [p.day for p in passages]
    assert days == sorted(days) and days[0] > dt.date(2026, 11, 26)
    assert {p.commune_insee for p in passages} == {"97207"}


def test_itinerary_listing_has_every_commune_with_stops(ctx):
    listing = views.itinerary_listing(ctx, after=dt.date(2026, 11, 26))
    assert len(listing) == 12
    assert all(len(c.stops) >= 2 and c.next_passages for c in listing)


def test_warm_up_prepares_the_qr_code_of_every_checklist(open_ctx):
    from kiosk.apps.visitor import VisitorService
    from kiosk.output import qr

    service = VisitorService(open_ctx)
    for cache in (qr._grid, qr._qr_rows, qr.qr_modules):
        cache.cache_clear()
    service.warm_up()
    prepared = qr._grid.cache_info().misses
    for procedure in open_ctx.catalogue.procedures:
        number = services.take_ticket(open_ctx, procedure.id).number
        service.phone_qr(procedure.id, number)
    assert qr._grid.cache_info().misses == prepared, "a visitor's QR code waited for its layout"
