"""The parsed form of a condition and the rules for evaluating it.

Evaluation must never raise on JSON-like data (None, bool, int, float, str, list, dict), because
conditions run while a user fills in a form: a surprising value makes a condition false, it does
not crash the page. Nothing here recurses into the *data*, only into the (depth-limited) tree, so
deeply nested contexts cannot exhaust the stack either.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------------
# Value semantics shared by the operators


def _is_number(value: Any) -> bool:
    # bool is a subclass of int in Python but a distinct type for spec authors.
    return isinstance(value, int | float) and not isinstance(value, bool)


_SEQUENCE_TYPES = list | tuple
_MEMBERSHIP_CONTAINER_TYPES = list | tuple | set | frozenset
_COLLECTION_TYPES = _MEMBERSHIP_CONTAINER_TYPES | Mapping
# Containers whose elements values_equal compares itself; sets keep Python's own equality.
_WALKED_TYPES = _SEQUENCE_TYPES | Mapping


def values_equal(left: Any, right: Any) -> bool:
    """Python equality, except that booleans only ever equal booleans (`true != 1`).

    The rule applies inside lists and dicts too, which is why this walks containers itself
    (with an explicit stack, so that deeply nested data cannot overflow the call stack).
    """
    if type(left) is str and type(right) is str:  # most comparisons: a choice against its id
        return left == right
    pending: list[tuple[Any, Any]] = [(left, right)]
    while pending:
        first, second = pending.pop()
        first_is_bool = isinstance(first, bool)
        if first_is_bool or isinstance(second, bool):
            if not (first_is_bool and isinstance(second, bool) and first == second):
                return False
        elif isinstance(first, _SEQUENCE_TYPES) and isinstance(second, _SEQUENCE_TYPES):
            if len(first) != len(second):
                return False
            pending.extend(zip(first, second, strict=True))
        elif isinstance(first, Mapping) and isinstance(second, Mapping):
            if len(first) != len(second):
                return False
            for key, value in first.items():
                if key not in second:
                    return False
                pending.append((value, second[key]))
        elif (
            isinstance(first, _WALKED_TYPES) or isinstance(second, _WALKED_TYPES) or first != second
        ):
            return False
    return True


def _is_orderable_pair(left: Any, right: Any) -> bool:
    both_numbers = _is_number(left) and _is_number(right)
    return both_numbers or (isinstance(left, str) and isinstance(right, str))


def _less_than(left: Any, right: Any) -> bool:
    return _is_orderable_pair(left, right) and left < right


def _less_or_equal(left: Any, right: Any) -> bool:
    return _is_orderable_pair(left, right) and left <= right


def _greater_than(left: Any, right: Any) -> bool:
    return _is_orderable_pair(left, right) and left > right


def _greater_or_equal(left: Any, right: Any) -> bool:
    return _is_orderable_pair(left, right) and left >= right


def is_member(item: Any, container: Any) -> bool:
    """The `in` operator: list membership, substring, or dict key; False for anything else."""
    if isinstance(container, _MEMBERSHIP_CONTAINER_TYPES):
        return any(values_equal(item, element) for element in container)
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, Mapping):
        # Scanning the keys (rather than hashing `item`) keeps the bool/int distinction and
        # cannot fail on unhashable items such as lists.
        return any(values_equal(item, key) for key in container)
    return False


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": values_equal,
    "!=": lambda left, right: not values_equal(left, right),
    "<": _less_than,
    "<=": _less_or_equal,
    ">": _greater_than,
    ">=": _greater_or_equal,
    "in": is_member,
    "not in": lambda item, container: not is_member(item, container),
}


# ---------------------------------------------------------------------------------------------
# Functions callable from conditions


def _function_empty(value: Any) -> bool:
    """True for no answer, a text of spaces only, or an empty list; `false` and `0` are
    answers, not empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    # False and 0 are answers, not missing answers, so only collections count as empty.
    if isinstance(value, _COLLECTION_TYPES):
        return len(value) == 0
    return False


def _function_len(value: Any) -> int:
    """The number of characters of a text, or of items of a list; 0 for anything else."""
    if isinstance(value, str | _COLLECTION_TYPES):
        return len(value)
    return 0


def _function_lower(value: Any) -> Any:
    """A text in lower case (to compare without case); anything else unchanged."""
    return value.lower() if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class FunctionDefinition:
    name: str
    arity: int
    implementation: Callable[..., Any]


FUNCTION_DEFINITIONS: Mapping[str, FunctionDefinition] = {
    definition.name: definition
    for definition in (
        FunctionDefinition("empty", 1, _function_empty),
        FunctionDefinition("len", 1, _function_len),
        FunctionDefinition("lower", 1, _function_lower),
    )
}

FUNCTIONS: frozenset[str] = frozenset(FUNCTION_DEFINITIONS)


# ---------------------------------------------------------------------------------------------
# Tree nodes


class Node(ABC):
    """A node of the parsed tree. Subclasses are frozen dataclasses, hence hashable."""

    __slots__ = ()

    @abstractmethod
    def evaluate(self, context: Mapping[str, Any]) -> Any: ...

    @property
    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, slots=True, eq=False)
class Literal(Node):
    value: bool | int | float | str | None

    # Dataclass equality would make Literal(1) == Literal(True); keep the types apart.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Literal):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A possibly dotted name such as `session.seats_left`, read from nested mappings."""

    segments: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.segments)

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        current: Any = context
        for segment in self.segments:
            if not isinstance(current, Mapping):
                return None
            current = current.get(segment)
        return current


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    items: tuple[Node, ...]

    @property
    def children(self) -> tuple[Node, ...]:
        return self.items

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        # A fresh list each time: a caller mutating the result must not alter the expression.
        return [item.evaluate(context) for item in self.items]


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    arguments: tuple[Node, ...]

    @property
    def children(self) -> tuple[Node, ...]:
        return self.arguments

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        implementation = FUNCTION_DEFINITIONS[self.function].implementation
        return implementation(*(argument.evaluate(context) for argument in self.arguments))


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        return not self.operand.evaluate(context)


@dataclass(frozen=True, slots=True)
class And(Node):
    # A flat tuple rather than a binary tree: long `a and b and c ...` chains stay shallow.
    operands: tuple[Node, ...]

    @property
    def children(self) -> tuple[Node, ...]:
        return self.operands

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        return all(operand.evaluate(context) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Or(Node):
    operands: tuple[Node, ...]

    @property
    def children(self) -> tuple[Node, ...]:
        return self.operands

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        return any(operand.evaluate(context) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Comparison(Node):
    operator: str
    left: Node
    right: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        return COMPARISONS[self.operator](self.left.evaluate(context), self.right.evaluate(context))


def iter_nodes(root: Node) -> Iterator[Node]:
    """Every node of the tree, depth first."""
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(node.children))


# ---------------------------------------------------------------------------------------------
# The public, parsed expression


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed condition: immutable, so one instance can be cached and shared."""

    source: str
    root: Node = field(repr=False)
    # Every dotted name the expression reads, as written (`session.seats_left`).
    names: frozenset[str] = field(init=False, repr=False)
    # The first segment of each name (`session`), what a static checker matches against fields.
    roots: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name_nodes = [node for node in iter_nodes(self.root) if isinstance(node, Name)]
        # The dataclass is frozen; these fields are derived once, here, and never change.
        object.__setattr__(self, "names", frozenset(node.dotted for node in name_nodes))
        object.__setattr__(self, "roots", frozenset(node.segments[0] for node in name_nodes))

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        return self.root.evaluate(context)

    def is_true(self, context: Mapping[str, Any]) -> bool:
        return bool(self.evaluate(context))

    def __str__(self) -> str:
        return self.source
