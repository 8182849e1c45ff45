"""Backoffice users: their level in each workflow, from the roles the spec declares."""

from __future__ import annotations

from dataclasses import dataclass

from ..compiled import CompiledWorkflow
from ..store.models import Account

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
