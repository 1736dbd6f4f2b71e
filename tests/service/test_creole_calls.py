"""The board's last calls carry the language the ticket was taken in: a ticket taken in Kréyòl
is called in French, then again in Créole (screens/visitor_app.py, kiosk/output/announcements.py)."""

from __future__ import annotations

from kiosk.core import services, views


def test_last_calls_carry_the_tickets_language(open_ctx):
    ctx = open_ctx
    services.take_ticket(ctx, "autre", language="gcf")
    services.take_ticket(ctx, "autre")
    services.call_next(ctx, 1)
    services.call_next(ctx, 2)
    assert [(c.number, c.language) for c in views.last_calls(ctx)] == [(2, "fr"), (1, "gcf")]
    services.recall(ctx, 1)
    assert [(c.number, c.recall, c.language) for c in views.last_calls(ctx)][0] == (1, True, "gcf")
