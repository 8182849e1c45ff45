"""A wizard step and its fields as compiled: each with its parsed conditions. Read by the plan
that walks the wizard and by the replay of stored answers, below both."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..expr import Expression
from ..spec.fields import BaseField
from ..spec.workflow import Step


@dataclass(frozen=True, slots=True)
class CompiledField:
    spec: BaseField
    visible_if: Expression | None
    required_if: Expression | None
    # Copied from the spec: read hundreds of times a page, a property call each time.
    id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.spec.id)


@dataclass(frozen=True, slots=True)
class CompiledStep:
    index: int
    spec: Step
    visible_if: Expression | None
    fields: tuple[CompiledField, ...]
    id: str = field(init=False)
    # The fields shown only under a condition: a step without any hides none.
    conditional: tuple[CompiledField, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.spec.id)
        conditional = tuple(f for f in self.fields if f.visible_if is not None)
        object.__setattr__(self, "conditional", conditional)
