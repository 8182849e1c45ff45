"""Small conditions written by workflow authors in YAML, e.g. `role == 'other' and not
empty(other)`: parsed once when a spec is loaded, evaluated many times, and inspectable by the
static checker through `Expression.names` / `Expression.roots`."""

from engine.expr.lexer import ExpressionError
from engine.expr.nodes import FUNCTIONS, Expression
from engine.expr.parser import MAX_NESTING_DEPTH, MAX_SOURCE_LENGTH, parse

__all__ = [
    "FUNCTIONS",
    "MAX_NESTING_DEPTH",
    "MAX_SOURCE_LENGTH",
    "Expression",
    "ExpressionError",
    "parse",
]
