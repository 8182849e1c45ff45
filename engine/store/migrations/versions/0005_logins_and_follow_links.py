"""login versions of accounts; "my requests" links held server-side

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("login_version", sa.Integer(), server_default="0", nullable=False)
        )

    op.create_table(
        "follow_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_links")),
    )
    op.create_index(
        op.f("ix_follow_links_created_at"), "follow_links", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_links_created_at"), table_name="follow_links")
    op.drop_table("follow_links")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("login_version")
