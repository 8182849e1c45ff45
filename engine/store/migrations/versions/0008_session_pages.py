"""session pages and filtered tabs: one training session's requests by date and by reference
from an index; on PostgreSQL, the requests' state beside their chosen entries in the GIN index

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


# On PostgreSQL, a filter on the chosen entries within a tab found the entries in the GIN
# index, then read every matching row to test its state (at 10^6, 12,000 rows for a tab
# holding 1,200 of them). With the state in the indexed array (`state:<id>`), the index
# answers both. request_list.FACETS_ARRAY is this very expression.
FACETS_STATE = "array_append(string_to_array(facets, '|'), 'state:' || state)"


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "requests", columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX ix_requests_facets_state_gin ON requests USING gin ({FACETS_STATE})"
        )
        op.execute("DROP INDEX IF EXISTS ix_requests_facets_gin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_requests_facets_gin ON requests USING gin "
            "(string_to_array(facets, '|'))"
        )
        op.execute("DROP INDEX IF EXISTS ix_requests_facets_state_gin")
    for name in INDEXES:
        op.drop_index(name, table_name="requests")
