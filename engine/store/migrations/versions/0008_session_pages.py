"""session pages: one training session's requests by date and by reference, from an index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# A session's page of the queue starts where the session's requests do in these indexes;
# through the queue's covering indexes it read every request sorted before them (at 10^6,
# hundreds of thousands of entries for a page sorted by reference).
INDEXES = {
    "ix_requests_session_submitted": ["workflow_id", "session_code", "submitted_at", "id", "state"],
    "ix_requests_session_reference": [
        "workflow_id",
        "session_code",
        "reference",
        "id",
        "state",
        "submitted_at",
    ],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "requests", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="requests")
