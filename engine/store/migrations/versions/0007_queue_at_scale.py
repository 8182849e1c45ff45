"""queue at scale: read watermarks of notifications, request counts kept by triggers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_watermarks",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("read_through", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_notification_watermarks_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", "role", name=op.f("pk_notification_watermarks")),
    )
    # A role's notifications by id: the unread counter reads above a watermark, the pages
    # from the newest. It replaces the index on the role alone.
    op.create_index("ix_notifications_role_id", "notifications", ["role", "id"], unique=False)
    op.drop_index("ix_notifications_role", table_name="notifications")
    _watermarks_of_existing_reads()
    # The overview counts drafts by the wizard step they stopped at: from this index alone.
    op.create_index(
        "ix_requests_steps",
        "requests",
        ["workflow_id", "state", "submitted_at", "current_step"],
        unique=False,
    )

    op.create_table(
        "request_counts",
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("session_code", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workflow_id", "state", "session_code", name=op.f("pk_request_counts")
        ),
    )
    op.execute(
        "INSERT INTO request_counts (workflow_id, state, session_code, n) "
        "SELECT workflow_id, state, coalesce(session_code, ''), count(*) FROM requests "
        "GROUP BY workflow_id, state, coalesce(session_code, '')"
    )
    for statement in _COUNTING[op.get_bind().dialect.name]:
        op.execute(statement)


# The triggers that keep request_counts: a request written adds one to its (workflow, state,
# session); deleted, or moved by an update, it takes one from where it was. Decrements never
# create a row, so emptying both tables in any order leaves nothing behind.
_ADD = (
    "INSERT INTO request_counts (workflow_id, state, session_code, n) "
    "VALUES (NEW.workflow_id, NEW.state, coalesce(NEW.session_code, ''), 1) "
    "ON CONFLICT (workflow_id, state, session_code) DO UPDATE SET n = request_counts.n + 1;"
)
_TAKE = (
    "UPDATE request_counts SET n = n - 1 WHERE workflow_id = OLD.workflow_id "
    "AND state = OLD.state AND session_code = coalesce(OLD.session_code, '');"
)
_COUNTING = {
    "postgresql": [
        "CREATE FUNCTION request_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_TAKE} END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_ADD} END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER requests_counted AFTER INSERT OR DELETE ON requests "
        "FOR EACH ROW EXECUTE FUNCTION request_counts_follow()",
        "CREATE TRIGGER requests_recounted AFTER UPDATE OF workflow_id, state, session_code "
        "ON requests FOR EACH ROW WHEN (OLD.workflow_id IS DISTINCT FROM NEW.workflow_id "
        "OR OLD.state IS DISTINCT FROM NEW.state "
        "OR OLD.session_code IS DISTINCT FROM NEW.session_code) "
        "EXECUTE FUNCTION request_counts_follow()",
    ],
    "sqlite": [
        f"CREATE TRIGGER requests_counted AFTER INSERT ON requests BEGIN {_ADD} END",
        f"CREATE TRIGGER requests_uncounted AFTER DELETE ON requests BEGIN {_TAKE} END",
        "CREATE TRIGGER requests_recounted AFTER UPDATE OF workflow_id, state, session_code "
        "ON requests WHEN OLD.workflow_id IS NOT NEW.workflow_id "
        "OR OLD.state IS NOT NEW.state OR OLD.session_code IS NOT NEW.session_code "
        f"BEGIN {_TAKE} {_ADD} END",
    ],
}
_UNCOUNTING = {
    "postgresql": [
        "DROP TRIGGER requests_recounted ON requests",
        "DROP TRIGGER requests_counted ON requests",
        "DROP FUNCTION request_counts_follow()",
    ],
    "sqlite": [
        "DROP TRIGGER requests_recounted",
        "DROP TRIGGER requests_uncounted",
        "DROP TRIGGER requests_counted",
    ],
}


def _watermarks_of_existing_reads() -> None:
    """Each user who has read notifications gets, per role, a watermark just below the oldest
    notification of that role they have not read (or at its newest, when all are read): the
    reads below it are then never looked at again. Once, here, it compares every notification
    with the user's reads, which the counter no longer does on each page."""
    bind = op.get_bind()
    notifications = sa.table("notifications", sa.column("id", sa.Integer), sa.column("role"))
    reads = sa.table(
        "notification_reads", sa.column("notification_id", sa.Integer), sa.column("account_id")
    )
    marks = sa.table(
        "notification_watermarks",
        sa.column("account_id", sa.Integer),
        sa.column("role", sa.String),
        sa.column("read_through", sa.Integer),
    )
    readers = bind.execute(sa.select(reads.c.account_id).distinct()).scalars().all()
    roles = bind.execute(sa.select(notifications.c.role).distinct()).scalars().all()
    for account_id in readers:
        for role in roles:
            unread = ~sa.exists().where(
                reads.c.notification_id == notifications.c.id, reads.c.account_id == account_id
            )
            oldest_unread = bind.execute(
                sa.select(sa.func.min(notifications.c.id)).where(
                    notifications.c.role == role, unread
                )
            ).scalar()
            newest = bind.execute(
                sa.select(sa.func.max(notifications.c.id)).where(notifications.c.role == role)
            ).scalar()
            mark = newest if oldest_unread is None else oldest_unread - 1
            if mark:
                bind.execute(
                    marks.insert().values(account_id=account_id, role=role, read_through=mark)
                )


def downgrade() -> None:
    for statement in _UNCOUNTING[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("request_counts")
    op.drop_index("ix_requests_steps", table_name="requests")
    op.create_index("ix_notifications_role", "notifications", ["role"], unique=False)
    op.drop_index("ix_notifications_role_id", table_name="notifications")
    op.drop_table("notification_watermarks")
