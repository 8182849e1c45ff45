"""The registry of action kinds.

A transition's `actions` list names kinds (`send_mail`, `notify`, ...). Each kind brings its own
pydantic model for its parameters, the references it makes (checked statically), and a planner
that turns it into typed effects. New kinds are registered in Python by the embedding
application, never imported from a dotted path written in YAML."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from .effects import Addressee, Effect


@dataclass(frozen=True, slots=True)
class Reference:
    """A name an action refers to: `kind` is what it must be ("template", "document", "role",
    "field", "email_field", "setting", "email_setting"); `path` is where it is written, relative to
    the action's parameters."""

    kind: str
    name: str
    path: tuple[str | int, ...] = ()


class PlanContext(Protocol):
    """What a planner may read while a transition fires."""

    def resolve(self, recipient: Any) -> tuple[Addressee, ...]: ...

    def render_text(self, text: Any) -> str:
        """A translatable text in the request's locale, its template variables filled."""
        ...

    def answer(self, field_id: str) -> Any: ...

    def applicant_answer(self, role: str) -> Any: ...

    def layout_of(self, document_id: str) -> str: ...

    @property
    def session_code(self) -> str | None: ...


Planner = Callable[[Any, PlanContext, str], Iterable["Effect"]]
ReferenceFinder = Callable[[Any], Iterable[Reference]]


@dataclass(frozen=True, slots=True)
class ActionKind:
    name: str
    params: type[BaseModel]
    plan: Planner
    references: ReferenceFinder
    description: str = ""


class ActionRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, ActionKind] = {}

    def register(self, kind: ActionKind) -> ActionKind:
        if kind.name in self._kinds:
            raise ValueError(f"action kind {kind.name!r} is already registered")
        self._kinds[kind.name] = kind
        return kind

    def get(self, name: str) -> ActionKind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)

    def __iter__(self) -> Iterator[ActionKind]:
        return iter(self._kinds.values())
