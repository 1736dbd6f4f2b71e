"""the visitors' opinion ("Votre avis" on the kiosk): one anonymous answer per tap, tied to the
stopover only

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# spelled here, not imported: a migration must keep meaning what it meant when it was written
ANSWERS = ("content", "moyen", "pas_content")


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stopover_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"answer IN ({', '.join(repr(a) for a in ANSWERS)})",
                           name=op.f("ck_feedback_answer")),
        sa.ForeignKeyConstraint(["stopover_id"], ["stopovers.id"],
                                name=op.f("fk_feedback_stopover_id_stopovers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_stopover_id"), "feedback", ["stopover_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_stopover_id"), table_name="feedback")
    op.drop_table("feedback")
