"""The values a condition compares a field with must be values the field can take: one of a
choice's ids, an entry of a reference list, true or false for a yes/no. `civility ==
'madame'` parses and reads a declared field, yet is never true when the choice's id is
'Madame'; the condition would silently hide a step or skip an action."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..expr.nodes import Comparison, Expression, ListLiteral, Literal, Name, iter_nodes
from ..spec.field_kinds import FieldKindTable
from ..spec.fields import (
    BaseField,
    CheckboxField,
    ChoiceField,
    IntegerField,
    MultiChoiceField,
    ReferenceChoiceField,
    YearField,
    YesNoField,
)
from ..spec.workflow import Workflow
from .rules import value_problem
from .shape import suggestion


@dataclass(frozen=True, slots=True)
class LiteralProblem:
    message: str
    hint: str


# (field, value written in the condition, workflow) -> why the field never holds it, or None
LiteralRule = Callable[[Any, Any, Workflow], LiteralProblem | None]


def _any_value(field: BaseField, value: Any, workflow: Workflow) -> LiteralProblem | None:
    return None


LITERAL_RULES: FieldKindTable[LiteralRule] = FieldKindTable("literal rules", default=_any_value)


def _written(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"'{value}'" if isinstance(value, str) else str(value)


def _closest(value: str, ids: list[str]) -> str:
    """`(did you mean 'Madame'?)`: a difference of case first, then a close spelling."""
    same = [i for i in ids if i.lower() == value.lower()]
    return f" (did you mean '{same[0]}'?)" if same else suggestion(value, ids)


def _one_of(field: BaseField, value: Any, ids: list[str], what: str) -> LiteralProblem | None:
    if isinstance(value, str) and value in ids:
        return None
    # `level == 1` where the choice's id is '1': ids are texts, written in quotes.
    close = _closest(value if isinstance(value, str) else _written(value), ids)
    shown = ", ".join(ids) if len(ids) <= 12 else ", ".join(ids[:12]) + ", ..."
    return LiteralProblem(
        f"compares '{field.id}' with {_written(value)}, which is not {what}{close}",
        f"'{field.id}' takes one of: {shown}",
    )


@LITERAL_RULES.register(ChoiceField, MultiChoiceField)
def _choice(
    field: ChoiceField | MultiChoiceField, value: Any, workflow: Workflow
) -> LiteralProblem | None:
    return _one_of(field, value, [c.id for c in field.choices], "one of its choices")


@LITERAL_RULES.register(ReferenceChoiceField)
def _entry(field: ReferenceChoiceField, value: Any, workflow: Workflow) -> LiteralProblem | None:
    lists = {r.id: r for r in workflow.reference_lists}
    ref_list = lists.get(field.list)
    # A list whose entries are all added later (backoffice, applicants) has nothing to check.
    if ref_list is None or not ref_list.entries:
        return None
    ids = [e.id for e in ref_list.entries]
    return _one_of(field, value, ids, f"an entry of list '{ref_list.id}'")


@LITERAL_RULES.register(YesNoField, CheckboxField)
def _yes_or_no(
    field: YesNoField | CheckboxField, value: Any, workflow: Workflow
) -> LiteralProblem | None:
    if isinstance(value, bool):
        return None
    return LiteralProblem(
        f"compares '{field.id}', a yes/no field, with {_written(value)}",
        "a yes/no field compares with true or false",
    )


@LITERAL_RULES.register(IntegerField, YearField)
def _number(
    field: IntegerField | YearField, value: Any, workflow: Workflow
) -> LiteralProblem | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None
    return LiteralProblem(
        f"compares '{field.id}', a number field, with {_written(value)}",
        "a number field compares with a number written without quotes",
    )


def _compared(node: Comparison) -> Iterator[tuple[Name, Literal]]:
    """The (field name, literal) pairs a comparison sets against each other."""
    left, right = node.left, node.right
    if node.operator in ("==", "!=", "<", "<=", ">", ">="):
        if isinstance(left, Name) and isinstance(right, Literal):
            yield left, right
        elif isinstance(right, Name) and isinstance(left, Literal):
            yield right, left
    elif node.operator in ("in", "not in"):
        if isinstance(left, Name) and isinstance(right, ListLiteral):
            yield from ((left, item) for item in right.items if isinstance(item, Literal))
        elif isinstance(left, Literal) and isinstance(right, Name):
            yield right, left  # `'sport' in interests`: an item of a multiple choice


def literal_problems(
    expression: Expression, fields: dict[str, BaseField], workflow: Workflow
) -> list[LiteralProblem]:
    """What is wrong with the values the expression compares fields with (`null`, the value of
    an unanswered field, always fits)."""
    problems: list[LiteralProblem] = []
    for node in iter_nodes(expression.root):
        if not isinstance(node, Comparison):
            continue
        for name, literal in _compared(node):
            if literal.value is None:
                continue
            field = fields.get(name.dotted)
            if field is not None:
                problem = LITERAL_RULES.of(field)(field, literal.value, workflow)
            else:
                problem = _column_problem(name, literal.value, fields, workflow)
            if problem is not None:
                problems.append(problem)
    return problems


def _column_problem(
    name: Name, value: Any, fields: dict[str, BaseField], workflow: Workflow
) -> LiteralProblem | None:
    """`entries.item.fragile == 'oui'`: a column of the chosen entry's list, by its type."""
    if len(name.segments) != 3 or name.segments[0] != "entries":
        return None
    field = fields.get(name.segments[1])
    lists = {r.id: r for r in workflow.reference_lists}
    ref_list = lists.get(field.list) if isinstance(field, ReferenceChoiceField) else None
    columns = {c.id: c for c in ref_list.fields} if ref_list is not None else {}
    column = columns.get(name.segments[2])
    if column is None or column.type not in ("boolean", "integer"):
        return None
    problem = value_problem(column.type, value)
    if problem is None:
        return None
    return LiteralProblem(
        f"compares '{name.dotted}' with {_written(value)}: {problem}",
        f"'{name.segments[2]}' is a field of type {column.type} of list '{ref_list.id}'",
    )
