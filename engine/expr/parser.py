"""Recursive-descent parser for conditions.

Grammar (keywords are lowercase and reserved):

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand (comp_op operand)?          # no chaining
    comp_op    := "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in"
    operand    := literal | call | name | "(" expr ")" | list
    literal    := ["-"] number | string | "true" | "false" | "null"
    list       := "[" (expr ("," expr)* ","?)? "]"
    call       := FUNCTION "(" (expr ("," expr)*)? ")"
    name       := IDENT ("." IDENT)*

Python's own `eval`/`ast` are deliberately not used: conditions come from YAML files and must
not be able to reach anything but the values they are given.
"""

from __future__ import annotations

import difflib
import functools

from engine.expr.lexer import ExpressionError, Token, TokenKind, tokenize
from engine.expr.nodes import (
    FUNCTION_DEFINITIONS,
    FUNCTIONS,
    And,
    Call,
    Comparison,
    Expression,
    ListLiteral,
    Literal,
    Name,
    Node,
    Not,
    Or,
)

MAX_SOURCE_LENGTH = 2000
MAX_NESTING_DEPTH = 40

_SYMBOL_COMPARISON_OPERATORS: frozenset[str] = frozenset({"==", "!=", "<", "<=", ">", ">="})
_KEYWORD_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}
# Tokens that can only follow a value; seeing one where a value should start means the value
# is missing rather than that the token is out of place.
_BINARY_KEYWORDS: frozenset[str] = frozenset({"and", "or", "in"})
# Longer tokens (mostly strings) are shortened in messages so the message stays readable.
_MAX_QUOTED_TOKEN_LENGTH = 24


def _describe(token: Token) -> str:
    if token.kind is TokenKind.END:
        return "the end of the expression"
    text = token.text
    if len(text) > _MAX_QUOTED_TOKEN_LENGTH:
        text = text[: _MAX_QUOTED_TOKEN_LENGTH - 3] + "..."
    return f"'{text}'"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class _Parser:
    def __init__(self, source: str, tokens: tuple[Token, ...]) -> None:
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    # -- token helpers ----------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    @property
    def previous(self) -> Token | None:
        return self.tokens[self.index - 1] if self.index > 0 else None

    def peek(self, offset: int) -> Token:
        # The END token is last, so clamping makes looking past it safe.
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind is not TokenKind.END:
            self.index += 1
        return token

    def error(self, message: str, column: int) -> ExpressionError:
        return ExpressionError(message, column, self.source)

    def enter_nested(self, opener: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING_DEPTH:
            raise self.error(
                f"expression is nested too deeply (the limit is {MAX_NESTING_DEPTH} levels)",
                opener.column,
            )

    def leave_nested(self) -> None:
        self.depth -= 1

    # -- grammar rules ----------------------------------------------------------------------

    def parse_expression_source(self) -> Node:
        if self.current.kind is TokenKind.END:
            raise self.error("empty expression", 0)
        node = self.parse_or()
        if self.current.kind is not TokenKind.END:
            raise self.unexpected_after_value(self.current)
        return node

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.current.is_keyword("or"):
            self.advance()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_not()]
        while self.current.is_keyword("and"):
            self.advance()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_not(self) -> Node:
        if not self.current.is_keyword("not"):
            return self.parse_comparison()
        not_token = self.advance()
        self.enter_nested(not_token)
        operand = self.parse_not()
        self.leave_nested()
        return Not(operand)

    def parse_comparison(self) -> Node:
        left = self.parse_operand()
        operator = self.match_comparison_operator()
        if operator is None:
            return left
        right = self.parse_operand()
        if self.comparison_operator_ahead():
            raise self.error(
                "comparisons cannot be chained: combine them with 'and'"
                " (for example 'a < b and b < c')",
                self.current.column,
            )
        return Comparison(operator, left, right)

    def comparison_operator_ahead(self) -> bool:
        token = self.current
        if token.kind is TokenKind.OPERATOR:
            return token.text in _SYMBOL_COMPARISON_OPERATORS
        return token.is_keyword("in") or (token.is_keyword("not") and self.peek(1).is_keyword("in"))

    def match_comparison_operator(self) -> str | None:
        if not self.comparison_operator_ahead():
            return None
        token = self.advance()
        if token.is_keyword("not"):
            self.advance()
            return "not in"
        return token.text

    def parse_operand(self) -> Node:
        token = self.current
        if token.kind is TokenKind.NUMBER or token.kind is TokenKind.STRING:
            self.advance()
            return Literal(token.value)
        if token.kind is TokenKind.KEYWORD and token.text in _KEYWORD_LITERALS:
            self.advance()
            return Literal(_KEYWORD_LITERALS[token.text])
        if token.is_operator("-"):
            return self.parse_negative_number()
        if token.kind is TokenKind.NAME:
            if self.peek(1).is_operator("("):
                return self.parse_call()
            self.advance()
            return Name(token.value)
        if token.is_operator("("):
            return self.parse_parenthesized()
        if token.is_operator("["):
            return self.parse_list()
        raise self.missing_value(token)

    def parse_negative_number(self) -> Node:
        self.advance()
        number = self.current
        if number.kind is not TokenKind.NUMBER:
            raise self.error("'-' can only be used directly before a number", number.column)
        self.advance()
        return Literal(-number.value)

    def parse_parenthesized(self) -> Node:
        opener = self.advance()
        self.enter_nested(opener)
        inner = self.parse_or()
        self.expect_closing(")", opener, separator_allowed=False)
        self.leave_nested()
        return inner

    def parse_list(self) -> Node:
        opener = self.advance()
        self.enter_nested(opener)
        items: list[Node] = []
        while not self.current.is_operator("]"):
            items.append(self.parse_or())
            if not self.current.is_operator(","):
                break
            self.advance()
        self.expect_closing("]", opener, separator_allowed=True)
        self.leave_nested()
        return ListLiteral(tuple(items))

    def parse_call(self) -> Node:
        name_token = self.advance()
        function_name = name_token.text
        if function_name not in FUNCTIONS:
            raise self.error(self.unknown_function_message(function_name), name_token.column)
        opener = self.advance()
        self.enter_nested(opener)
        arguments: list[Node] = []
        if not self.current.is_operator(")"):
            arguments.append(self.parse_or())
            while self.current.is_operator(","):
                self.advance()
                arguments.append(self.parse_or())
        self.expect_closing(")", opener, separator_allowed=True)
        self.leave_nested()
        expected = FUNCTION_DEFINITIONS[function_name].arity
        if len(arguments) != expected:
            raise self.error(
                f"'{function_name}' takes {_plural(expected, 'argument')}, got {len(arguments)}",
                name_token.column,
            )
        return Call(function_name, tuple(arguments))

    # -- error reporting --------------------------------------------------------------------

    def expect_closing(self, closer: str, opener: Token, *, separator_allowed: bool) -> None:
        token = self.current
        if token.is_operator(closer):
            self.advance()
            return
        if token.kind is TokenKind.END:
            raise self.error(f"unclosed '{opener.text}' (missing '{closer}')", opener.column)
        expected = f"',' or '{closer}'" if separator_allowed else f"'{closer}'"
        raise self.error(
            f"expected {expected} but found {_describe(token)}" + self.hint_for_misplaced(token),
            token.column,
        )

    def missing_value(self, token: Token) -> ExpressionError:
        previous = self.previous
        if previous is not None:
            return self.error(f"expected a value after {_describe(previous)}", token.column)
        starts_with_binary_operator = (
            token.kind is TokenKind.KEYWORD and token.text in _BINARY_KEYWORDS
        ) or (token.kind is TokenKind.OPERATOR and token.text in _SYMBOL_COMPARISON_OPERATORS)
        if starts_with_binary_operator:
            return self.error(f"expected a value before {_describe(token)}", token.column)
        return self.error(f"unexpected {_describe(token)}", token.column)

    def unexpected_after_value(self, token: Token) -> ExpressionError:
        if token.kind is TokenKind.OPERATOR and token.text in (")", "]", ","):
            return self.error(f"unexpected {_describe(token)}", token.column)
        hint = self.hint_for_misplaced(token) or " (is an operator such as 'and' missing?)"
        return self.error(f"unexpected {_describe(token)}" + hint, token.column)

    def hint_for_misplaced(self, token: Token) -> str:
        """A short explanation for a token that appears where an operator was expected."""
        if token.is_operator("-"):
            return " (arithmetic is not supported)"
        if token.is_keyword("not"):
            return " (did you mean 'not in'?)"
        if token.kind is TokenKind.NAME and token.text == "is":
            return " (use '==' or '!=')"
        return ""

    @staticmethod
    def unknown_function_message(name: str) -> str:
        suggestions = difflib.get_close_matches(name, sorted(FUNCTIONS), n=1)
        if suggestions:
            return f"unknown function '{name}' (did you mean '{suggestions[0]}'?)"
        return f"unknown function '{name}' (available: {', '.join(sorted(FUNCTIONS))})"


@functools.lru_cache(maxsize=2048)
def _parse_text(source: str) -> Expression:
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(source)} characters, the limit is {MAX_SOURCE_LENGTH})",
            MAX_SOURCE_LENGTH,
            source,
        )
    if not source.strip():
        raise ExpressionError("empty expression", 0, source)
    tokens = tokenize(source)
    try:
        root = _Parser(source, tokens).parse_expression_source()
    except RecursionError:
        # The nesting limit keeps recursion far below Python's limit; this is a safety net for a
        # caller that is itself already deep in the stack.
        raise ExpressionError("expression is nested too deeply", 0, source) from None
    return Expression(source, root)


def parse(source: str) -> Expression:
    """Parse a condition once; the result is immutable and can be evaluated many times.

    Raises ExpressionError, and nothing else, for any input that is not a valid condition.
    """
    # YAML readily produces booleans, numbers or lists where a condition was meant; checking
    # here also keeps unhashable values away from the cache, which would raise TypeError.
    if not isinstance(source, str):
        raise ExpressionError(
            f"a condition must be text, not {type(source).__name__}"
            " (put it in quotes in the YAML file)",
            0,
            repr(source),
        )
    return _parse_text(source)


# Expose the cache controls of the underlying lru_cache on the public function.
parse.cache_info = _parse_text.cache_info  # type: ignore[attr-defined]
parse.cache_clear = _parse_text.cache_clear  # type: ignore[attr-defined]
