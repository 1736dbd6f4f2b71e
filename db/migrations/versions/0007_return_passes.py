"""return passes: "Prioritaire au prochain passage" for the visitors left unserved at closing

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# spelled here, not imported: a migration must keep meaning what it meant when it was written
HALVES = ("morning", "afternoon")


def upgrade() -> None:
    op.create_table(
        "return_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("next_day", sa.Date(), nullable=True),
        sa.Column("next_half", sa.String(length=10), nullable=True),
        sa.Column("next_stop_id", sa.String(length=64), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_ticket_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            f"next_half IS NULL OR next_half IN ({', '.join(repr(h) for h in HALVES)})",
            name=op.f("ck_return_passes_next_half")),
        sa.CheckConstraint("(used_at IS NULL) = (used_ticket_id IS NULL)",
                           name=op.f("ck_return_passes_used_together")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_return_passes_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["used_ticket_id"], ["tickets.id"],
                                name=op.f("fk_return_passes_used_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["next_stop_id"], ["stops.id"],
                                name=op.f("fk_return_passes_next_stop_id_stops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_passes")),
        sa.UniqueConstraint("code", name=op.f("uq_return_passes_code")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_return_passes_ticket_id")),
        sa.UniqueConstraint("used_ticket_id", name=op.f("uq_return_passes_used_ticket_id")),
    )


def downgrade() -> None:
    op.drop_table("return_passes")
