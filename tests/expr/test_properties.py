"""Property tests: parse never fails with anything but ExpressionError, and valid expressions
built from the grammar parse, report exactly their names, and evaluate without raising."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.expr import FUNCTIONS, ExpressionError, parse
from engine.expr.lexer import KEYWORDS

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A handful of fixed identifiers makes generated names collide with generated context keys,
# so evaluation exercises real lookups and not only missing names.
COMMON_IDENTIFIERS = ["a", "b", "session", "seats_left", "funding", "x_1", "_hidden", "len"]


IDENTIFIER_START = string.ascii_letters + "_"


def _is_usable_identifier(word: str) -> bool:
    # Keywords are reserved; their miscased forms and `None` are rejected as likely mistakes.
    lowered = word.lower()
    return lowered not in KEYWORDS and not (lowered == "none" and word != "none")


identifiers = st.one_of(
    st.sampled_from(COMMON_IDENTIFIERS),
    st.builds(
        str.__add__,
        st.sampled_from(IDENTIFIER_START),
        st.text(alphabet=IDENTIFIER_START + string.digits, max_size=8),
    ).filter(_is_usable_identifier),
)

dotted_names = st.lists(identifiers, min_size=1, max_size=3).map(".".join)


@dataclass(frozen=True)
class Generated:
    """Source text built from the grammar, with the names it reads."""

    source: str
    names: frozenset[str]
    # Atoms can be comparison operands as they are; anything else needs parentheses there.
    is_atom: bool


def _quote(text: str) -> str:
    quote = "'" if "'" not in text or '"' in text else '"'
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace(quote, "\\" + quote)
    return quote + escaped + quote


spaces = st.sampled_from(["", " ", "  ", "\t", "\n"])
some_spaces = st.sampled_from([" ", "  ", "\n "])

literals = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1e9, max_value=1e9).map(
        lambda number: f"{number:f}" if "." in f"{number:f}" else f"{number:f}.0"
    ),
    st.text(max_size=8).map(_quote),
    st.sampled_from(["true", "false", "null"]),
).map(lambda text: Generated(text, frozenset(), is_atom=True))

names_as_expressions = dotted_names.map(
    lambda dotted: Generated(dotted, frozenset({dotted}), is_atom=True)
)


def _as_operand(part: Generated) -> str:
    return part.source if part.is_atom else f"({part.source})"


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> Generated:
    if depth == 0:
        return draw(st.one_of(literals, names_as_expressions))
    smaller = expressions(depth - 1)
    kind = draw(
        st.sampled_from(
            ["literal", "name", "list", "call", "parens", "not", "and", "or", "compare"]
        )
    )
    if kind == "literal":
        return draw(literals)
    if kind == "name":
        return draw(names_as_expressions)
    if kind == "list":
        items = draw(st.lists(smaller, max_size=3))
        separator = "," + draw(spaces)
        trailing = draw(st.sampled_from(["", ","])) if items else ""
        source = "[" + separator.join(item.source for item in items) + trailing + "]"
        return Generated(source, _union(items), is_atom=True)
    if kind == "call":
        function = draw(st.sampled_from(sorted(FUNCTIONS)))
        argument = draw(smaller)
        source = f"{function}{draw(spaces)}({draw(spaces)}{argument.source}{draw(spaces)})"
        return Generated(source, argument.names, is_atom=True)
    if kind == "parens":
        inner = draw(smaller)
        return Generated(f"({inner.source})", inner.names, is_atom=True)
    if kind == "not":
        inner = draw(smaller)
        return Generated(f"not{draw(some_spaces)}{inner.source}", inner.names, is_atom=False)
    if kind in ("and", "or"):
        parts = draw(st.lists(smaller, min_size=2, max_size=3))
        joiner = f"{draw(some_spaces)}{kind}{draw(some_spaces)}"
        return Generated(joiner.join(part.source for part in parts), _union(parts), is_atom=False)
    left, right = draw(smaller), draw(smaller)
    operator = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]))
    source = f"{_as_operand(left)}{draw(some_spaces)}{operator}{draw(some_spaces)}"
    source += _as_operand(right)
    return Generated(source, left.names | right.names, is_atom=False)


def _union(parts: list[Generated]) -> frozenset[str]:
    return frozenset().union(*(part.names for part in parts))


def _fits_the_limits(generated: Generated) -> bool:
    return len(generated.source) <= 2000


valid_expressions = expressions().filter(_fits_the_limits)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(identifiers, children, max_size=4)
    ),
    max_leaves=12,
)
contexts = st.dictionaries(identifiers, json_values, max_size=6)


# -- (1) robustness of parse ---------------------------------------------------------------

grammar_alphabet = string.ascii_letters[:6] + string.digits[:3] + " ()[],.'\"\\-=!<>&|@\n_"
grammar_words = st.sampled_from(
    ["and", "or", "not", "in", "true", "false", "null", "empty", "len", "lower", "(", ")"]
)


def _try_parse(source: str) -> None:
    try:
        parse(source)
    except ExpressionError as error:
        assert isinstance(error.message, str) and error.message
        assert 0 <= error.column <= len(source)
        assert error.source == source


@FAST
@given(st.text(max_size=60))
def test_parse_arbitrary_text_raises_only_expression_error(source: str) -> None:
    _try_parse(source)


@FAST
@given(
    st.lists(
        st.one_of(st.text(alphabet=grammar_alphabet, min_size=1, max_size=4), grammar_words),
        max_size=20,
    ).map(" ".join)
)
def test_parse_near_grammatical_text_raises_only_expression_error(source: str) -> None:
    _try_parse(source)


@FAST
@given(valid_expressions, st.data())
def test_parse_mutated_expressions_raises_only_expression_error(
    generated: Generated, data: st.DataObject
) -> None:
    source = generated.source
    position = data.draw(st.integers(min_value=0, max_value=len(source)))
    removed = data.draw(st.integers(min_value=0, max_value=3))
    inserted = data.draw(st.text(alphabet=grammar_alphabet, max_size=2))
    _try_parse(source[:position] + inserted + source[position + removed :])


@FAST
@given(st.integers(min_value=0, max_value=100), st.sampled_from(["(", "[", "not ", "len("]))
def test_parse_deep_nesting_raises_only_expression_error(depth: int, opener: str) -> None:
    _try_parse(opener * depth + "a")


# -- (2) generated expressions parse and evaluate safely -----------------------------------


@FAST
@given(valid_expressions, contexts)
def test_generated_expressions_parse_and_evaluate_without_raising(
    generated: Generated, context: dict[str, Any]
) -> None:
    expression = parse(generated.source)
    expression.evaluate(context)
    assert type(expression.is_true(context)) is bool


@FAST
@given(valid_expressions, st.lists(identifiers, min_size=1, max_size=3), json_values)
def test_generated_expressions_evaluate_on_contexts_holding_their_names(
    generated: Generated, path: list[str], leaf: Any
) -> None:
    # Build a context in which (at least) one generated name resolves to a real value.
    expression = parse(generated.source)
    segments = sorted(generated.names)[0].split(".") if generated.names else path
    context: Any = leaf
    for segment in reversed(segments):
        context = {segment: context}
    assert type(expression.is_true(context)) is bool


# -- (3) names ------------------------------------------------------------------------------


@FAST
@given(valid_expressions)
def test_names_are_exactly_the_generated_names(generated: Generated) -> None:
    expression = parse(generated.source)
    assert expression.names == generated.names
    assert expression.roots == frozenset(name.split(".")[0] for name in generated.names)


# -- value semantics ------------------------------------------------------------------------


@FAST
@given(json_values, json_values)
def test_equality_is_symmetric_and_consistent_with_inequality(left: Any, right: Any) -> None:
    context = {"left": left, "right": right}
    equal = parse("left == right").evaluate(context)
    assert equal is parse("right == left").evaluate(context)
    assert equal is not parse("left != right").evaluate(context)
    assert parse("left == left").evaluate(context) is True


@FAST
@given(json_values, json_values)
def test_in_and_not_in_are_opposites(item: Any, container: Any) -> None:
    context = {"item": item, "container": container}
    assert parse("item in container").evaluate(context) is not parse(
        "item not in container"
    ).evaluate(context)
