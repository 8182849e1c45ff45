"""The one Jinja configuration for everything organisations write: mails, notices, PDF texts.

Sandboxed because these files are edited by organisations, not developers; StrictUndefined so
that a missing variable is an error instead of an empty hole in a mail; HTML autoescaped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from babel.units import format_unit
from jinja2 import BaseLoader, StrictUndefined, nodes, pass_context, select_autoescape
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from .durations import duration_parts


def make_environment(loader: BaseLoader | None = None) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        keep_trailing_newline=False,
    )
    environment.filters.update(PRODUCT_FILTERS)
    return environment


_DURATION_UNITS = {
    "w": "duration-week",
    "d": "duration-day",
    "h": "duration-hour",
    "min": "duration-minute",
    "s": "duration-second",
}


@pass_context
def say_duration(context: Context, value: object) -> str:
    """`{{ settings.seat_offer_lifetime | duration }}` → "3 jours": a duration written as in
    the spec (`3d`, `36h`), said in words in the request's language, in the unit it was written
    in (36 hours stay 36 hours, not "2 days"). Anything else is shown as it is."""
    parts = duration_parts(str(value))
    if parts is None:
        return str(value)
    request = context.get("request")
    locale = request.get("locale") if isinstance(request, dict) else None
    amount, unit = parts
    return str(format_unit(amount, _DURATION_UNITS[unit], length="long", locale=locale or "fr"))


@dataclass(frozen=True, slots=True)
class VariableUse:
    """A context variable read by a template: `parts` such as ["entries", "venue",
    "city"], and the template line where it is read."""

    parts: tuple[str, ...]
    line: int


def _chain(node: nodes.Node) -> list[str] | None:
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Getattr):
        inner = _chain(node.node)
        return None if inner is None else [*inner, node.attr]
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        inner = _chain(node.node)
        if inner is None or not isinstance(node.arg.value, str):
            return inner
        return [*inner, node.arg.value]
    return None


def variable_uses(template_ast: nodes.Template) -> Iterator[VariableUse]:
    """Every read of a context variable, with as much of its attribute path as is static.
    Names the template sets itself ({% set %}, loop variables) are not context variables."""
    context_names = find_undeclared_variables(template_ast)
    for node in template_ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        chain = _chain(node)
        if chain and chain[0] in context_names:
            yield VariableUse(tuple(chain), node.lineno)


# The filters the product adds to Jinja's own; the author's manual lists them with the first
# paragraph of their docstring.
PRODUCT_FILTERS = {"duration": say_duration}
