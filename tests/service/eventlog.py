"""Reading the event log back in service tests."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Event


def events(ctx, kind=None):
    """Every event, oldest first; only those of one kind when `kind` is given."""
    with ctx.read() as s:
        query = select(Event).order_by(Event.id)
        if kind:
            query = query.where(Event.kind == kind)
        return s.scalars(query).all()
