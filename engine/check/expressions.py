"""Conditions must parse and read only names the workflow declares, and a step's conditions
may only read answers the applicant has already given (this step or earlier ones)."""

from __future__ import annotations

from collections.abc import Iterator

from ..expr import ExpressionError, parse
from ..spec.fields import BaseField
from ..spec.layout import RowsBlock
from ..spec.locate import Locator
from ..spec.source import Position
from .context import CheckContext, PathT
from .diagnostics import Diagnostic
from .literals import literal_problems
from .scope import EXPRESSION_ROOTS, PROCESS_EXPRESSION_ROOTS
from .shape import suggestion


def expression_position(locator: Locator, path: PathT, column: int) -> Position:
    """Where an expression's error is: the value's position shifted by the column, past the
    opening quote of a quoted scalar. Block scalars (| and >) start on the next line, where
    the offset no longer maps to a column, so they point at the value."""
    start = locator.at(path)
    style = locator.style(path)
    if style in ("|", ">"):
        return start
    shift = column + (1 if style in ('"', "'") else 0)
    return Position(start.file, start.line, start.column + shift)


def check_expression(
    ctx: CheckContext,
    source: str,
    path: PathT,
    *,
    max_step: int | None,
    locator: Locator | None = None,
    what: str = "condition",
    roots: frozenset[str] = EXPRESSION_ROOTS,
) -> None:
    """`max_step`: the last step whose fields may be read (None: any step); `roots`: the names
    besides fields (the process's conditions also read `attendance`)."""
    locator = locator or ctx.locator
    try:
        expression = parse(source)
    except ExpressionError as error:
        ctx.diagnostics.append(
            Diagnostic(
                "E040",
                f"{what} does not parse: {error.message}",
                expression_position(locator, path, error.column),
            )
        )
        return
    for problem in literal_problems(expression, ctx.scope.fields, ctx.workflow):
        ctx.report("E090", f"{what} {problem.message}", path, problem.hint, locator=locator)
    for name in sorted(expression.names):
        parts = name.split(".")
        root = parts[0]
        if root in roots:
            problem = ctx.scope.unknown_in_path(parts)
            if problem is not None:
                ctx.report(
                    "E041", f"{what} reads an undeclared name {problem}", path, locator=locator
                )
            continue
        field = ctx.scope.fields.get(root)
        if field is None and not ctx.scope.complete:
            continue  # perhaps a field of the missing form, reported once where it is included
        if field is None or not field.has_answer:
            known = sorted(ctx.scope.answer_fields() | roots)
            ctx.report(
                "E041",
                f"{what} reads an undeclared name '{root}'{suggestion(root, known)}",
                path,
                locator=locator,
            )
            continue
        step = ctx.scope.field_step[root]
        if max_step is not None and step > max_step:
            later = ctx.workflow.wizard.steps[step].id
            ctx.report(
                "E042",
                f"{what} reads '{root}', a field of the later step '{later}'",
                path,
                "a condition can only read answers already given",
                locator=locator,
            )


def _field_conditions(ctx: CheckContext) -> Iterator[tuple[str, PathT, int]]:
    for i, step in enumerate(ctx.workflow.wizard.steps):
        if step.visible_if is not None:
            # A step's own visibility is decided before its fields are answered.
            yield step.visible_if, ("wizard", "steps", i, "visible_if"), i - 1
        for j, item in enumerate(step.fields):
            if not isinstance(item, BaseField):
                continue
            path = ("wizard", "steps", i, "fields", j)
            if item.visible_if is not None:
                yield item.visible_if, (*path, "visible_if"), i
            required_if = item.required_condition()
            if required_if is not None:
                yield required_if, (*path, "required_if"), i


def check_expressions(ctx: CheckContext) -> None:
    for source, path, max_step in _field_conditions(ctx):
        check_expression(ctx, source, path, max_step=max_step)
    for i, transition in enumerate(ctx.workflow.process.transitions):
        path = ("process", "transitions", i)
        if transition.condition is not None:
            check_expression(
                ctx,
                transition.condition,
                (*path, "condition"),
                max_step=None,
                roots=PROCESS_EXPRESSION_ROOTS,
            )
        for j, action in enumerate(transition.actions):
            if action.when is not None:
                check_expression(
                    ctx,
                    action.when,
                    (*path, "actions", j, "when"),
                    max_step=None,
                    roots=PROCESS_EXPRESSION_ROOTS,
                )
    for layout in ctx.loaded.layouts.values():
        if layout.model is None:
            continue
        for i, block in enumerate(layout.model.blocks):
            if block.when is not None:
                check_expression(
                    ctx, block.when, ("blocks", i, "when"), max_step=None, locator=layout.locator
                )
            for j, row in enumerate(block.rows if isinstance(block, RowsBlock) else ()):
                if row.when is not None:
                    check_expression(
                        ctx,
                        row.when,
                        ("blocks", i, "rows", j, "when"),
                        max_step=None,
                        locator=layout.locator,
                    )
