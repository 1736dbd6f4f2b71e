"""stops whose place the coordinator has not confirmed yet ("sous réserve" on every screen and slip)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stops", schema=None) as batch_op:
        # existing stops were shown as facts until now: they stay confirmed until `kiosk init`
        # loads the itinerary's own flag
        batch_op.add_column(sa.Column("confirmed", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("confirmed")
