"""consents: each applicant's answer to each declared purpose, with the wording's version and
the time

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_consents_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_request_id"), "consents", ["request_id"])
    op.create_index("ix_consents_purpose", "consents", ["workflow_id", "purpose", "request_id"])


def downgrade() -> None:
    op.drop_index("ix_consents_purpose", table_name="consents")
    op.drop_index(op.f("ix_consents_request_id"), table_name="consents")
    op.drop_table("consents")
