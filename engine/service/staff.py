"""Backoffice users: their level in each workflow, from the roles the spec declares, and the
notifications addressed to their roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import Account, Notification, NotificationRead, RequestRow

LEVELS = ("none", "process", "manage", "admin")


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True, slots=True)
class Staff:
    account: Account

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.account.roles or [])

    def roles_in(self, compiled: CompiledWorkflow) -> frozenset[str]:
        return frozenset(r.id for r in compiled.spec.roles if r.id in self.roles)

    def level_in(self, compiled: CompiledWorkflow) -> str:
        """The highest backoffice level the user's roles give in this workflow."""
        ranks = [level_rank(r.backoffice) for r in compiled.spec.roles if r.id in self.roles]
        return LEVELS[max(ranks, default=0)]

    def may(self, compiled: CompiledWorkflow, level: str) -> bool:
        return level_rank(self.level_in(compiled)) >= level_rank(level)


def unread_count(db: Session, account: Account, roles: frozenset[str]) -> int:
    if not roles:
        return 0
    read = select(NotificationRead.notification_id).where(
        NotificationRead.account_id == account.id
    )
    query = select(func.count(Notification.id)).where(
        Notification.role.in_(sorted(roles)), Notification.id.not_in(read)
    )
    return int(db.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class NotificationLine:
    id: int
    role: str
    message: str
    created_at: datetime
    unread: bool
    workflow_id: str | None
    reference: str | None
    public_id: str | None


def notifications_for(
    db: Session, account: Account, roles: Iterable[str], *, offset: int = 0, limit: int = 50
) -> tuple[list[NotificationLine], bool]:
    """The notifications of the user's roles, newest first, with whether this user has read
    them (the same set as the frame's unread counter), and whether older ones follow."""
    roles = sorted(set(roles))
    if not roles:
        return [], False
    rows = list(
        db.execute(
            select(
                Notification.id,
                Notification.role,
                Notification.message,
                Notification.created_at,
                RequestRow.workflow_id,
                RequestRow.reference,
                RequestRow.public_id,
            )
            .outerjoin(RequestRow, RequestRow.id == Notification.request_id)
            .where(Notification.role.in_(roles))
            .order_by(Notification.id.desc())  # in the order they were written: newest first
            .limit(limit + 1)
            .offset(max(0, offset))
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    # Read flags of this page only: a look-up in the reads' primary key per notification.
    read = set(
        db.execute(
            select(NotificationRead.notification_id).where(
                NotificationRead.notification_id.in_([r.id for r in rows]),
                NotificationRead.account_id == account.id,
            )
        ).scalars()
    )
    return [
        NotificationLine(r[0], r[1], r[2], r[3], r[0] not in read, r[4], r[5], r[6]) for r in rows
    ], more


def mark_read(db: Session, account_id: int, notification_ids: Iterable[int], now: datetime) -> int:
    """Records that the user read these notifications (those already read are left alone);
    commits. Two tabs doing it at once both succeed."""
    wanted = sorted(set(notification_ids))
    if not wanted:
        return 0
    already = set(
        db.execute(
            select(NotificationRead.notification_id).where(
                NotificationRead.account_id == account_id,
                NotificationRead.notification_id.in_(wanted),
            )
        ).scalars()
    )
    missing = [i for i in wanted if i not in already]
    if not missing:
        db.rollback()
        return 0
    try:
        db.execute(
            insert(NotificationRead),
            [{"notification_id": i, "account_id": account_id, "read_at": now} for i in missing],
        )
        db.commit()
    except IntegrityError:  # another tab of the same user marked them meanwhile
        db.rollback()
        return 0
    return len(missing)
