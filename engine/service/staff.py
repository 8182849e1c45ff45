"""Backoffice users: their level in each workflow, from the roles the spec declares."""

from __future__ import annotations

from dataclasses import dataclass

from ..compiled import CompiledWorkflow
from ..store.models import Account

LEVELS = ("none", "process", "manage", "admin")


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def level_of(compiled: CompiledWorkflow, roles: frozenset[str]) -> str:
    """The highest backoffice level these roles give in this workflow."""
    ranks = [level_rank(r.backoffice) for r in compiled.spec.roles if r.id in roles]
    return LEVELS[max(ranks, default=0)]


def sees_personal_data(level: str) -> bool:
    """Whether a level reaches applicants' answers and identity: those who may open a request's
    page (`process` and above), in the backoffice as through the API."""
    return level_rank(level) >= level_rank("process")


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
        return level_of(compiled, self.roles)

    def may(self, compiled: CompiledWorkflow, level: str) -> bool:
        return level_rank(self.level_in(compiled)) >= level_rank(level)
