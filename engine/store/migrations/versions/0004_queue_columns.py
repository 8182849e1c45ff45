"""queue columns: applicant name, search words and chosen entries of each request, indexed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:39:34.825061
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_notification_reads_account",
        "notification_reads",
        ["account_id", "notification_id"],
        unique=False,
    )

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_name", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("facets", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_requests_queue_reference",
            [
                "workflow_id",
                "reference",
                "id",
                "state",
                "session_code",
                "submitted_at",
                "facets",
                "search_text",
            ],
            unique=False,
        )
        batch_op.create_index(
            "ix_requests_queue_submitted",
            [
                "workflow_id",
                "submitted_at",
                "id",
                "state",
                "session_code",
                "facets",
                "search_text",
            ],
            unique=False,
        )

    _postgresql_indexes()
    _fill_existing_requests()


def _postgresql_indexes() -> None:
    """PostgreSQL only (see RequestRow's indexes): a GIN index on the chosen entries as an
    array, which the queue's filters read (`string_to_array(facets, '|') @>`), and, where the
    pg_trgm extension may be created, a trigram index on the search words, so that a search by
    name reads it instead of the whole table."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_requests_facets_gin ON requests USING gin (string_to_array(facets, '|'))"
    )
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return  # not allowed to this user: searches scan the queue's covering index instead
    op.execute(
        "CREATE INDEX ix_requests_search_trgm ON requests USING gin "
        "(lower(search_text) gin_trgm_ops)"
    )


def _fill_existing_requests() -> None:
    """Requests submitted before this revision get their queue columns, computed under the
    workflow version each is pinned to (kept in spec_versions)."""
    from sqlalchemy.orm import Session

    from engine.service.request_columns import backfill
    from engine.service.workflows import WorkflowRegistry

    db = Session(bind=op.get_bind())
    registry = WorkflowRegistry({})
    backfill(db, lambda spec_hash: registry.version(db, spec_hash))
    db.close()


def downgrade() -> None:
    op.drop_index("ix_notification_reads_account", table_name="notification_reads")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_requests_search_trgm")
        op.execute("DROP INDEX IF EXISTS ix_requests_facets_gin")

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_queue_submitted")
        batch_op.drop_index("ix_requests_queue_reference")
        batch_op.drop_column("facets")
        batch_op.drop_column("search_text")
        batch_op.drop_column("applicant_name")
