"""outbound calls (learning platform, webhooks) written with the firing that plans them; the
learning-platform course of a training session

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "outbox_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("payload", json_type, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", json_type, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_outbox_calls_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_calls")),
    )
    op.create_index("ix_outbox_calls_due", "outbox_calls", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_calls_request_id"), "outbox_calls", ["request_id"])
    op.create_index("ix_outbox_calls_log", "outbox_calls", ["workflow_id", "kind", "id"])
    # A plain ADD COLUMN (no batch copy on SQLite): the table's cache triggers stay in place.
    op.add_column(
        "training_sessions", sa.Column("lms_course", sa.String(length=255), nullable=True)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE training_sessions DROP COLUMN lms_course")
    else:
        op.drop_column("training_sessions", "lms_course")
    op.drop_index("ix_outbox_calls_log", table_name="outbox_calls")
    op.drop_index(op.f("ix_outbox_calls_request_id"), table_name="outbox_calls")
    op.drop_index("ix_outbox_calls_due", table_name="outbox_calls")
    op.drop_table("outbox_calls")
