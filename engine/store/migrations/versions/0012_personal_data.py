"""personal data lifecycle: when the applicant was told their data would be erased, and when
it was

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("retention_notice_at", "anonymised_at")


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy on SQLite): the table's count triggers stay in place.
    for name in COLUMNS:
        op.add_column("requests", sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE requests DROP COLUMN {name}")
        else:
            op.drop_column("requests", name)
