"""One behaviour of every field kind, looked up by the field's kind (its `type` in the YAML).

A kind is declared once, as a class of the `AnyField` union (engine/spec/fields.py). What the
engine and the web layer do with a field (read what was posted, display an answer, turn it
back into inputs, make a sample, check its rules, build its view) is one table per concern,
keyed by kind, the way starlette keys its path convertors by name (`CONVERTOR_TYPES`):

    READERS = FieldKindTable("reader")

    @READERS.register(PhoneField)
    def _read_phone(spec: PhoneField, inputs: Inputs, ctx: ReadContext) -> Reading: ...

    READERS.check()   # at the end of the module

A table without a default needs an entry for every kind, and `check()` says which are missing
when its module is imported: a kind added to the union without its entries stops the program
at start-up, naming the table, instead of answering wrongly later. A table with a default
(most kinds behave the same) lists only the kinds that differ."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from .fields import FIELD_KINDS, BaseField

Handler = TypeVar("Handler", bound=Callable[..., Any])
Registered = TypeVar("Registered", bound=Callable[..., Any])


class FieldKindError(Exception):
    """A table of field kinds is missing an entry, or has one twice or for no known kind."""


class FieldKindTable(Generic[Handler]):
    """A behaviour of field kinds: the handler of each kind, or a default for the others."""

    tables: ClassVar[list[FieldKindTable[Any]]] = []  # every table made, for a test to check

    def __init__(self, concern: str, *, default: Handler | None = None) -> None:
        self.concern = concern
        self.default = default
        self.handlers: dict[str, Handler] = {}
        FieldKindTable.tables.append(self)

    def register(self, *kinds: type[BaseField]) -> Callable[[Registered], Registered]:
        """A decorator giving the function as the handler of these field classes' kinds."""

        def add(handler: Registered) -> Registered:
            for cls in kinds:
                if FIELD_KINDS.get(cls.kind) is not cls:
                    raise FieldKindError(f"{self.concern}: {cls.__name__} is not a field kind")
                if cls.kind in self.handlers:
                    raise FieldKindError(f"{self.concern}: field kind '{cls.kind}' given twice")
                self.handlers[cls.kind] = handler  # type: ignore[assignment]
            return handler

        return add

    def of(self, field: BaseField) -> Handler:
        handler = self.handlers.get(field.kind, self.default)
        if handler is None:
            raise FieldKindError(f"no {self.concern} for field kind '{field.kind}'")
        return handler

    def missing(self) -> list[str]:
        """The kinds this table has no handler for (none when it has a default)."""
        if self.default is not None:
            return []
        return [kind for kind in FIELD_KINDS if kind not in self.handlers]

    def check(self) -> None:
        missing = self.missing()
        if missing:
            raise FieldKindError(f"no {self.concern} for field kind(s) {', '.join(missing)}")
