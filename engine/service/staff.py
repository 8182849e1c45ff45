"""Backoffice users: their level in each workflow, from the roles the spec declares, and the
notifications addressed to their roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import Account, Notification, NotificationRead

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
