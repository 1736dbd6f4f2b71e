"""history that can be counted: every phase time, durations in seconds, channel, residence

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Existing visits are completed from the event log, which recorded what happened: the first call
of a ticket put back (its call time was cleared), and whether "Commencer" was pressed (a visit
finished without it had the call time copied into its start time; that copy is removed). The
channel of older tickets was never recorded and stays NULL ("non renseigné" in reports).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

AGE_BANDS = "('moins-26', '26-44', '45-59', '60-74', '75-plus')"
GENDERS = "('femme', 'homme', 'autre')"
CHANNELS = "('kiosk', 'console', 'cli')"


def _as_datetime(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("first_called_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("wait_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("service_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("residence", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint("channel", f"channel IS NULL OR channel IN {CHANNELS}")
        batch_op.create_check_constraint("age_band", f"age_band IS NULL OR age_band IN {AGE_BANDS}")
        batch_op.create_check_constraint("gender", f"gender IS NULL OR gender IN {GENDERS}")
        batch_op.create_check_constraint("wait_seconds", "wait_seconds IS NULL OR wait_seconds >= 0")
        batch_op.create_check_constraint(
            "service_seconds", "service_seconds IS NULL OR service_seconds >= 0")
        batch_op.create_index("ix_tickets_recent_service", ["procedure_id", "state", "ended_at"],
                              unique=False)
    with op.batch_alter_table("stopovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stopovers_day"), ["day"], unique=False)

    conn = op.get_bind()
    first_calls = {
        ticket_id: _as_datetime(at) for ticket_id, at in conn.execute(sa.text(
            "SELECT ticket_id, MIN(at) FROM events WHERE kind = 'ticket_called' "
            "AND ticket_id IS NOT NULL GROUP BY ticket_id"))
    }
    started = {row[0] for row in conn.execute(sa.text(
        "SELECT DISTINCT ticket_id FROM events WHERE kind = 'service_started' "
        "AND ticket_id IS NOT NULL"))}
    updates = []
    for ticket_id, state, taken, called, start, end in conn.execute(sa.text(
            "SELECT id, state, taken_at, called_at, started_at, ended_at FROM tickets")):
        taken, called, start, end = (_as_datetime(v) for v in (taken, called, start, end))
        first = first_calls.get(ticket_id) or called
        if start is not None and ticket_id not in started:
            start = None  # a copy of the call time, not a start that happened
        service = _seconds(start or called, end) if state == "done" else None
        updates.append({"id": ticket_id, "first": first, "start": start,
                        "wait": _seconds(taken, first), "service": service})
    if updates:
        conn.execute(sa.text(
            "UPDATE tickets SET first_called_at = :first, started_at = :start, "
            "wait_seconds = :wait, service_seconds = :service WHERE id = :id"), updates)


def downgrade() -> None:
    with op.batch_alter_table("stopovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stopovers_day"))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_recent_service")
        for name in ("service_seconds", "wait_seconds", "gender", "age_band", "channel"):
            batch_op.drop_constraint(name, type_="check")
        for column in ("residence", "service_seconds", "wait_seconds", "first_called_at",
                       "channel"):
            batch_op.drop_column(column)
