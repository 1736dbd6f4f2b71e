"""who works at each desk

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_desks_staff_id_staff"), "staff", ["staff_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_desks_staff_id_staff"), type_="foreignkey")
        batch_op.drop_column("staff_id")
