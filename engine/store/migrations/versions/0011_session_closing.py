"""training sessions through time: the moment a session's registration closes (none: the
workflow's default delay before its start)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: no table copy, so the triggers on the table stay.
    op.add_column(
        "training_sessions",
        sa.Column("registration_closes_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("training_sessions") as batch:
        batch.drop_column("registration_closes_at")
