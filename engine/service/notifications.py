"""The notifications addressed to a backoffice user's roles, and what this user has read.

Reading is personal: a notification goes to a role, each of its users reads it. What a user has
read is a watermark per role (`NotificationWatermark`: everything up to that id is read) and,
above it, one row per notification read (`NotificationRead`). Reading the newest page first
leaves reads above the watermark; the watermark moves up past them as soon as nothing older is
left unread. So the unread counter on every backoffice page looks only above the watermark,
however many notifications the years have piled up, instead of comparing all of them with all
of the user's reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store.models import (
    Account,
    Notification,
    NotificationRead,
    NotificationWatermark,
    RequestRow,
)

# The counter stops counting there: the frame shows "999+" rather than walk a backlog that
# nobody will read one by one.
UNREAD_CAP = 999
# On PostgreSQL a notification's id is taken when it is written but seen by others only at its
# commit, so a smaller id may appear after a larger one. The watermark never passes a
# notification younger than this: by then every transaction that wrote one has ended (a
# firing's write transaction lasts milliseconds; decision 0007).
SETTLED = timedelta(minutes=5)


def watermarks(db: Session, account_id: int, roles: Iterable[str]) -> dict[str, int]:
    """Up to which notification id each role's notifications are all read (0: none)."""
    roles = sorted(set(roles))
    found = dict.fromkeys(roles, 0)
    if roles:
        rows = db.execute(
            select(NotificationWatermark.role, NotificationWatermark.read_through).where(
                NotificationWatermark.account_id == account_id,
                NotificationWatermark.role.in_(roles),
            )
        )
        found.update((role, mark) for role, mark in rows)
    return found


def _above(marks: dict[str, int]) -> ColumnElement[bool]:
    """The notifications of these roles above each role's watermark (index: role, id)."""
    return or_(
        *(and_(Notification.role == role, Notification.id > mark) for role, mark in marks.items())
    )


def _not_read_by(account_id: int) -> ColumnElement[bool]:
    return ~exists().where(
        NotificationRead.notification_id == Notification.id,
        NotificationRead.account_id == account_id,
    )


def unread_count(db: Session, account: Account, roles: frozenset[str]) -> int:
    """How many notifications of these roles the user has not read, counted up to
    UNREAD_CAP + 1 (more than the cap: show "UNREAD_CAP+")."""
    if not roles:
        return 0
    marks = watermarks(db, account.id, roles)
    unread = (
        select(Notification.id)
        .where(_above(marks), _not_read_by(account.id))
        .limit(UNREAD_CAP + 1)
        .subquery()
    )
    return int(db.execute(select(func.count()).select_from(unread)).scalar_one())


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
    marks = watermarks(db, account.id, roles)
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
        NotificationLine(
            r[0], r[1], r[2], r[3], r[0] not in read and r[0] > marks[r[1]], r[4], r[5], r[6]
        )
        for r in rows
    ], more


def mark_read(
    db: Session,
    account_id: int,
    roles: Iterable[str],
    notification_ids: Iterable[int],
    now: datetime,
) -> int:
    """Records that the user read these notifications (those already read are left alone),
    moves the roles' watermarks up as far as everything is read, and commits. Two tabs doing
    it at once both succeed."""
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
        _raise_watermarks(db, account_id, roles, now)
        db.commit()
    except IntegrityError:  # another tab of the same user marked them meanwhile
        db.rollback()
        return 0
    return len(missing)


def _raise_watermarks(db: Session, account_id: int, roles: Iterable[str], now: datetime) -> None:
    """Each role's watermark goes up to just below its oldest unread notification (or its
    newest one when all are read), never past a notification younger than SETTLED. The reads
    it passes stay: they are what the counter skipped before, and cost nothing below it."""
    for role, mark in watermarks(db, account_id, roles).items():
        of_role = (Notification.role == role, Notification.id > mark)
        oldest_unread = db.execute(
            select(func.min(Notification.id)).where(*of_role, _not_read_by(account_id))
        ).scalar()
        settled = db.execute(
            select(func.max(Notification.id)).where(
                *of_role, Notification.created_at <= now - SETTLED
            )
        ).scalar()
        if settled is None:
            continue
        target = settled if oldest_unread is None else min(settled, oldest_unread - 1)
        if target <= mark:
            continue
        moved = db.execute(
            update(NotificationWatermark)
            .where(
                NotificationWatermark.account_id == account_id,
                NotificationWatermark.role == role,
                NotificationWatermark.read_through < target,
            )
            .values(read_through=target)
        )
        if moved.rowcount == 0 and mark == 0:  # type: ignore[attr-defined]
            try:
                with db.begin_nested():
                    db.execute(
                        insert(NotificationWatermark).values(
                            account_id=account_id, role=role, read_through=target
                        )
                    )
            except IntegrityError:  # another tab wrote it meanwhile: its mark stands
                pass
