"""Parsing: the tree built for each construct, the names read, and every error message."""

from __future__ import annotations

import pickle

import pytest

from engine.expr import FUNCTIONS, MAX_NESTING_DEPTH, MAX_SOURCE_LENGTH, ExpressionError, parse
from engine.expr.nodes import (
    And,
    Call,
    Comparison,
    ListLiteral,
    Literal,
    Name,
    Node,
    Not,
    Or,
)


def tree(source: str) -> Node:
    return parse(source).root


def name(dotted: str) -> Name:
    return Name(tuple(dotted.split(".")))


# -- literals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("-1", -1),
        ("- 7", -7),
        ("3.25", 3.25),
        ("-0.5", -0.5),
        ("007", 7),
        ("true", True),
        ("false", False),
        ("null", None),
        ("'text'", "text"),
        ('"text"', "text"),
        ("''", ""),
        ("'it\\'s'", "it's"),
        ('"say \\"hi\\""', 'say "hi"'),
        ("'back\\\\slash'", "back\\slash"),
        ("'two\\nlines'", "two\nlines"),
        ("'\"'", '"'),
        ('"\'"', "'"),
        ("'café ☕'", "café ☕"),
    ],
)
def test_literals(source: str, expected: object) -> None:
    node = tree(source)
    assert isinstance(node, Literal)
    assert type(node.value) is type(expected)
    assert node.value == expected


def test_literal_equality_keeps_bool_and_int_apart() -> None:
    assert Literal(1) != Literal(True)
    assert Literal(0) != Literal(False)
    assert Literal(1) == Literal(1)


def test_decimal_is_float_and_integer_is_int() -> None:
    assert isinstance(tree("1.0"), Literal)
    assert type(tree("1.0").value) is float  # type: ignore[attr-defined]
    assert type(tree("1").value) is int  # type: ignore[attr-defined]


def test_lists() -> None:
    assert tree("[]") == ListLiteral(())
    assert tree("[1]") == ListLiteral((Literal(1),))
    assert tree("[1, 'a', null,]") == ListLiteral((Literal(1), Literal("a"), Literal(None)))
    assert tree("[[a], [b.c]]") == ListLiteral(
        (ListLiteral((name("a"),)), ListLiteral((name("b.c"),)))
    )
    assert tree("[a and b, not c]") == ListLiteral((And((name("a"), name("b"))), Not(name("c"))))


def test_names() -> None:
    assert tree("dietary") == name("dietary")
    assert tree("session.seats_left") == Name(("session", "seats_left"))
    assert tree("_private.x1.Y_2") == Name(("_private", "x1", "Y_2"))
    # Function names are only functions when called.
    assert tree("len") == name("len")
    # Words merely containing keywords are ordinary names.
    assert tree("android") == name("android")
    assert tree("notes.information") == name("notes.information")
    assert tree("none") == name("none")


def test_calls() -> None:
    assert tree("empty(other)") == Call("empty", (name("other"),))
    assert tree("len( items )") == Call("len", (name("items"),))
    assert tree("lower('ABC')") == Call("lower", (Literal("ABC"),))
    assert tree("empty(len(x))") == Call("empty", (Call("len", (name("x"),)),))
    assert tree("empty (x)") == Call("empty", (name("x"),))


def test_functions_set() -> None:
    assert frozenset({"empty", "len", "lower"}) == FUNCTIONS


@pytest.mark.parametrize("operator", ["==", "!=", "<", "<=", ">", ">=", "in", "not in"])
def test_every_comparison_operator(operator: str) -> None:
    assert tree(f"a {operator} 1") == Comparison(operator, name("a"), Literal(1))


def test_comparisons_without_spaces() -> None:
    assert tree("a==1") == Comparison("==", name("a"), Literal(1))
    assert tree("a<=-1") == Comparison("<=", name("a"), Literal(-1))
    assert tree("'x'in[y]") == Comparison("in", Literal("x"), ListLiteral((name("y"),)))


# -- precedence ----------------------------------------------------------------------------


def test_not_binds_tighter_than_and_which_binds_tighter_than_or() -> None:
    assert tree("not a and b or c") == Or((And((Not(name("a")), name("b"))), name("c")))
    assert tree("a or b and c") == Or((name("a"), And((name("b"), name("c")))))
    assert tree("a or not b and c") == Or((name("a"), And((Not(name("b")), name("c")))))


def test_comparison_binds_tighter_than_not() -> None:
    assert tree("not a == b") == Not(Comparison("==", name("a"), name("b")))
    assert tree("not a not in b") == Not(Comparison("not in", name("a"), name("b")))


def test_comparison_binds_tighter_than_and_or() -> None:
    assert tree("a == 1 and b > 2 or c in d") == Or(
        (
            And(
                (
                    Comparison("==", name("a"), Literal(1)),
                    Comparison(">", name("b"), Literal(2)),
                )
            ),
            Comparison("in", name("c"), name("d")),
        )
    )


def test_chains_of_and_or_are_flat() -> None:
    assert tree("a and b and c") == And((name("a"), name("b"), name("c")))
    assert tree("a or b or c or d") == Or((name("a"), name("b"), name("c"), name("d")))


def test_parentheses_override_precedence() -> None:
    assert tree("a and (b or c)") == And((name("a"), Or((name("b"), name("c")))))
    assert tree("not (a and b)") == Not(And((name("a"), name("b"))))
    assert tree("(a == b) == c") == Comparison(
        "==", Comparison("==", name("a"), name("b")), name("c")
    )
    assert tree("((((a))))") == name("a")


def test_double_negation() -> None:
    assert tree("not not a") == Not(Not(name("a")))


def test_whitespace_of_all_kinds_is_ignored() -> None:
    assert tree("\t a\n==\r\n 1 ") == Comparison("==", name("a"), Literal(1))


# -- names and roots -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "names", "roots"),
    [
        ("1 == 1", set(), set()),
        ("dietary == true", {"dietary"}, {"dietary"}),
        ("session.seats_left > 0", {"session.seats_left"}, {"session"}),
        (
            "mandate == 'autre' and not empty(other)",
            {"mandate", "other"},
            {"mandate", "other"},
        ),
        (
            "funding in ['perso', cpf.code, [deep.er.name]]",
            {"funding", "cpf.code", "deep.er.name"},
            {"funding", "cpf", "deep"},
        ),
        (
            "len(lower(a.b)) > 0 or (c and (not d.e in [f]))",
            {"a.b", "c", "d.e", "f"},
            {"a", "c", "d", "f"},
        ),
        ("a.x == a.y and a", {"a.x", "a.y", "a"}, {"a"}),
        ("'a.b' == \"c\"", set(), set()),
    ],
)
def test_names_and_roots(source: str, names: set[str], roots: set[str]) -> None:
    expression = parse(source)
    assert expression.names == frozenset(names)
    assert expression.roots == frozenset(roots)
    assert isinstance(expression.names, frozenset)
    assert isinstance(expression.roots, frozenset)


# -- the Expression object and the cache ---------------------------------------------------


def test_expression_keeps_source_and_is_immutable() -> None:
    expression = parse("a == 1")
    assert expression.source == "a == 1"
    assert str(expression) == "a == 1"
    with pytest.raises(AttributeError):
        expression.source = "b"  # type: ignore[misc]
    hash(expression)


def test_parse_is_cached() -> None:
    source = "cached_name == 'value'"
    assert parse(source) is parse(source)
    assert parse.cache_info().hits >= 1  # type: ignore[attr-defined]


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        # empty input
        ("", "empty expression", 0),
        ("   \n\t", "empty expression", 0),
        # strings
        ("'abc", "unterminated string", 0),
        ('a == "abc', "unterminated string", 5),
        ("'abc\\'", "unterminated string", 0),
        ("'abc\\", "unterminated string", 0),
        (
            "'a\\qb'",
            "unknown escape '\\q' in string (use \\\\ for a backslash, \\' or \\\" for quotes,"
            " \\n for a new line)",
            2,
        ),
        # characters that are not part of the language
        ("a @ b", "unexpected character '@'", 2),
        ("a && b", "unexpected '&&' (use 'and')", 2),
        ("a & b", "unexpected '&' (use 'and')", 2),
        ("a || b", "unexpected '||' (use 'or')", 2),
        ("a | b", "unexpected '|' (use 'or')", 2),
        ("!a", "unexpected '!' (use 'not')", 0),
        ("x = 1", "unexpected '=' (use '==' to compare)", 2),
        ("x === 1", "unexpected '=' (use '==' to compare)", 4),
        ("a + 1", "unexpected '+' (arithmetic is not supported)", 2),
        ("a - 1", "unexpected '-' (arithmetic is not supported)", 2),
        ("a\x00", "unexpected character '\\x00'", 1),
        (
            "\u201cyes\u201d",
            "unexpected character '\u201c' (use straight quotes ' or \" around text)",
            0,
        ),
        (".5", "unexpected character '.'", 0),
        # numbers and names
        ("1.", "expected digits after the decimal point", 2),
        ("1.x", "expected digits after the decimal point", 2),
        ("2abc", "invalid number '2abc' (names cannot start with a digit)", 0),
        ("a.", "expected a name after '.'", 2),
        ("a.1", "expected a name after '.'", 2),
        ("a .b", "unexpected character '.'", 2),
        ("a.in", "'in' is a reserved word and cannot be part of a name", 2),
        ("x.y.null", "'null' is a reserved word and cannot be part of a name", 4),
        ("True", "unknown word 'True' (keywords are lowercase: use 'true')", 0),
        ("x == FALSE", "unknown word 'FALSE' (keywords are lowercase: use 'false')", 5),
        ("x == None", "unknown word 'None' (keywords are lowercase: use 'null')", 5),
        ("a AND b", "unknown word 'AND' (keywords are lowercase: use 'and')", 2),
        ("- a", "'-' can only be used directly before a number", 2),
        ("--1", "'-' can only be used directly before a number", 1),
        # missing values
        ("a and", "expected a value after 'and'", 5),
        ("a or ", "expected a value after 'or'", 5),
        ("a and or b", "expected a value after 'and'", 6),
        ("not", "expected a value after 'not'", 3),
        ("a ==", "expected a value after '=='", 4),
        ("a == not b", "expected a value after '=='", 5),
        ("a not in", "expected a value after 'in'", 8),
        ("and b", "expected a value before 'and'", 0),
        ("== b", "expected a value before '=='", 0),
        ("in b", "expected a value before 'in'", 0),
        ("()", "expected a value after '('", 1),
        ("[,]", "expected a value after '['", 1),
        ("[1,,]", "expected a value after ','", 3),
        ("len(x,)", "expected a value after ','", 6),
        # stray and missing brackets
        (")", "unexpected ')'", 0),
        ("a)", "unexpected ')'", 1),
        ("a]", "unexpected ']'", 1),
        ("a, b", "unexpected ','", 1),
        ("(a", "unclosed '(' (missing ')')", 0),
        ("x and (a or (b)", "unclosed '(' (missing ')')", 6),
        ("[1, 2", "unclosed '[' (missing ']')", 0),
        ("empty(x", "unclosed '(' (missing ')')", 5),
        ("(a b)", "expected ')' but found 'b'", 3),
        ("(a not b)", "expected ')' but found 'not' (did you mean 'not in'?)", 3),
        ("[1 2]", "expected ',' or ']' but found '2'", 3),
        ("len(a b)", "expected ',' or ')' but found 'b'", 6),
        # trailing tokens
        ("a b", "unexpected 'b' (is an operator such as 'and' missing?)", 2),
        ("a == 1 2", "unexpected '2' (is an operator such as 'and' missing?)", 7),
        ("a 'text'", "unexpected ''text'' (is an operator such as 'and' missing?)", 2),
        (
            "a 'a very long string that goes on'",
            "unexpected ''a very long string t...' (is an operator such as 'and' missing?)",
            2,
        ),
        ("a not b", "unexpected 'not' (did you mean 'not in'?)", 2),
        ("x is null", "unexpected 'is' (use '==' or '!=')", 2),
        # chained comparisons
        (
            "a < b < c",
            "comparisons cannot be chained: combine them with 'and' (for example"
            " 'a < b and b < c')",
            6,
        ),
        (
            "a == b in c",
            "comparisons cannot be chained: combine them with 'and' (for example"
            " 'a < b and b < c')",
            7,
        ),
        (
            "a in b not in c",
            "comparisons cannot be chained: combine them with 'and' (for example"
            " 'a < b and b < c')",
            7,
        ),
        # functions
        ("lenght(x)", "unknown function 'lenght' (did you mean 'len'?)", 0),
        ("a and emtpy(x)", "unknown function 'emtpy' (did you mean 'empty'?)", 6),
        ("lowr(x)", "unknown function 'lowr' (did you mean 'lower'?)", 0),
        ("isempty(x)", "unknown function 'isempty' (did you mean 'empty'?)", 0),
        ("foo(x)", "unknown function 'foo' (available: empty, len, lower)", 0),
        ("x.len(y)", "unknown function 'x.len' (did you mean 'len'?)", 0),
        ("x.y(z)", "unknown function 'x.y' (available: empty, len, lower)", 0),
        ("len()", "'len' takes 1 argument, got 0", 0),
        ("a or empty(x, y)", "'empty' takes 1 argument, got 2", 5),
        ("lower(a, b, c)", "'lower' takes 1 argument, got 3", 0),
    ],
)
def test_error_messages_and_columns(source: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    error = caught.value
    assert error.message == message
    assert error.column == column
    assert error.source == source
    assert str(error) == f"{message} (at column {column})"


def test_too_deep_nesting() -> None:
    deepest_allowed = "(" * MAX_NESTING_DEPTH + "a" + ")" * MAX_NESTING_DEPTH
    assert parse(deepest_allowed).names == {"a"}

    too_deep = "(" * (MAX_NESTING_DEPTH + 1) + "a" + ")" * (MAX_NESTING_DEPTH + 1)
    with pytest.raises(ExpressionError) as caught:
        parse(too_deep)
    assert caught.value.message == "expression is nested too deeply (the limit is 40 levels)"
    assert caught.value.column == MAX_NESTING_DEPTH


@pytest.mark.parametrize(
    ("opener", "closer"),
    [("not ", ""), ("[", "]"), ("empty(", ")"), ("(", ")"), ("[(", ")]"), ("not (", ")")],
)
def test_every_kind_of_nesting_counts_towards_the_limit(opener: str, closer: str) -> None:
    repeat = 200
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse(opener * repeat + "a" + closer * repeat)


def test_a_long_flat_chain_is_not_nesting() -> None:
    source = " and ".join(f"a{index}" for index in range(200))
    assert len(parse(source).names) == 200


def test_too_long() -> None:
    assert parse("a" * MAX_SOURCE_LENGTH).names == {"a" * MAX_SOURCE_LENGTH}
    with pytest.raises(ExpressionError) as caught:
        parse("a" * (MAX_SOURCE_LENGTH + 1))
    assert caught.value.message == "expression is too long (2001 characters, the limit is 2000)"
    assert caught.value.column == MAX_SOURCE_LENGTH


@pytest.mark.parametrize("value", [True, 1, None, ["a"], {"a": 1}, b"a == 1"])
def test_non_text_source(value: object) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(value)  # type: ignore[arg-type]
    assert caught.value.column == 0
    assert caught.value.message.startswith(f"a condition must be text, not {type(value).__name__}")


def test_error_is_picklable() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("a and")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.message, copy.column, copy.source) == ("expected a value after 'and'", 5, "a and")
