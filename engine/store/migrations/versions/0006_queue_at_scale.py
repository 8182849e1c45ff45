"""queue at scale: read watermarks of notifications, indexes for the queue's sorts and counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
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
    op.create_index("ix_notifications_role", "notifications", ["role"], unique=False)
    op.drop_index("ix_notifications_role_id", table_name="notifications")
    op.drop_table("notification_watermarks")
