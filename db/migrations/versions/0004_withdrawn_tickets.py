"""tickets withdrawn by the visitor ("Ce n'est pas ma démarche"); indexes for the queue's
lookups on years of history (the open stopover, the ticket at a desk)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BEFORE = ("waiting", "called", "in_service", "done", "no_show", "cancelled", "unserved")
AFTER = (*BEFORE, "withdrawn")


def _in(values: tuple[str, ...]) -> str:
    return f"state IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("state", type_="check")
        batch_op.create_check_constraint("state", _in(AFTER))
        batch_op.create_index("ix_tickets_desk_state", ["desk_id", "state"], unique=False)
    with op.batch_alter_table("stopovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stopovers_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    op.execute("UPDATE tickets SET state = 'cancelled' WHERE state = 'withdrawn'")
    with op.batch_alter_table("stopovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stopovers_closed_at"))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_desk_state")
        batch_op.drop_constraint("state", type_="check")
        batch_op.create_check_constraint("state", _in(BEFORE))
