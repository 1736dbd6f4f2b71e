"""return codes valid in their commune until a day; wrong codes in a row slow the next try

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# spelled here, not imported: a migration must keep meaning what it meant when it was written
# (the default of the setting `return_pass_weeks` when codes started to expire)
WEEKS = 8


def upgrade() -> None:
    with op.batch_alter_table("stopovers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_code_misses", sa.Integer(), nullable=False,
                                      server_default=sa.text("0")))
        batch_op.add_column(sa.Column("return_code_wait_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("return_passes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
    # the codes already given: valid for the default weeks from the day they were given
    passes = sa.table("return_passes", sa.column("id", sa.Integer()),
                      sa.column("issued_at", sa.DateTime()), sa.column("valid_until", sa.Date()))
    bind = op.get_bind()
    for pass_id, issued_at in bind.execute(sa.select(passes.c.id, passes.c.issued_at)).all():
        bind.execute(passes.update().where(passes.c.id == pass_id)
                     .values(valid_until=issued_at.date() + dt.timedelta(weeks=WEEKS)))
    with op.batch_alter_table("return_passes", schema=None) as batch_op:
        batch_op.alter_column("valid_until", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("return_passes", schema=None) as batch_op:
        batch_op.drop_column("valid_until")
    with op.batch_alter_table("stopovers", schema=None) as batch_op:
        batch_op.drop_column("return_code_wait_until")
        batch_op.drop_column("return_code_misses")
