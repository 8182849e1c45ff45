"""A wizard step and its fields as compiled: each with its parsed conditions. Read by the plan
that walks the wizard and by the replay of stored answers, below both."""

from __future__ import annotations

from dataclasses import dataclass

from ..expr import Expression
from ..spec.fields import BaseField
from ..spec.workflow import Step


@dataclass(frozen=True, slots=True)
class CompiledField:
    spec: BaseField
    visible_if: Expression | None
    required_if: Expression | None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class CompiledStep:
    index: int
    spec: Step
    visible_if: Expression | None
    fields: tuple[CompiledField, ...]

    @property
    def id(self) -> str:
        return self.spec.id
