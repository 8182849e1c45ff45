"""settings changed by operators, with their time and author

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-13 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "setting_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("previous", JSON, nullable=True),
        sa.Column("value", JSON, nullable=True),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("spec_hash", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setting_changes")),
    )
    op.create_index(
        "ix_setting_changes_workflow", "setting_changes", ["workflow_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_setting_changes_workflow", table_name="setting_changes")
    op.drop_table("setting_changes")
