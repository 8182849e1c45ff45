"""calendars and changed sessions: a session's revision (the SEQUENCE of its calendar events),
a document's media type, and the requests to tell of a session's new dates or place

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs on both databases: no table copy, so the triggers on the tables stay.
    op.add_column(
        "training_sessions",
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("documents", sa.Column("content_type", sa.String(length=100), nullable=True))
    op.create_table(
        "session_change_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("session_code", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_session_change_notices_request_id_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_change_notices")),
        sa.UniqueConstraint(
            "request_id", "revision", name=op.f("uq_session_change_notices_request_id")
        ),
    )
    op.create_index(
        "ix_session_change_notices_pending",
        "session_change_notices",
        ["done_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_session_change_notices_pending", table_name="session_change_notices")
    op.drop_table("session_change_notices")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("content_type")
    with op.batch_alter_table("training_sessions") as batch:
        batch.drop_column("revision")
