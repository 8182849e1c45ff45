"""Evaluation: the value of each operator and function on JSON-like data."""

from __future__ import annotations

from typing import Any

import pytest

from engine.expr import parse

CONTEXT: dict[str, Any] = {
    "dietary": True,
    "vegan": False,
    "age": 30,
    "price": 12.5,
    "zero": 0,
    "name": "Alice",
    "blank": "   ",
    "empty_text": "",
    "nothing": None,
    "mandate": "autre",
    "other": "my own reason",
    "funding": "cpf",
    "tags": ["a", "b", 1],
    "flags": [True, False],
    "no_tags": [],
    "options": {"x": 1, "y": None},
    "no_options": {},
    "session": {"seats_left": 3, "title": "Python", "room": {"floor": 2}},
}


def evaluate(source: str, context: dict[str, Any] | None = None) -> Any:
    return parse(source).evaluate(CONTEXT if context is None else context)


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("dietary", True),
        ("age", 30),
        ("session.seats_left", 3),
        ("session.room.floor", 2),
        ("session.room", {"floor": 2}),
        ("options.y", None),
        # Missing keys, and anything that is not a mapping on the way, read as null.
        ("missing", None),
        ("session.missing", None),
        ("session.room.floor.deeper", None),
        ("name.length", None),
        ("tags.first", None),
        ("nothing.anything", None),
        ("missing.a.b.c", None),
    ],
)
def test_names(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


def test_names_on_an_empty_context() -> None:
    assert evaluate("a.b", {}) is None
    assert parse("a == null").is_true({}) is True


def test_literal_list_is_a_fresh_list_each_time() -> None:
    expression = parse("[1, a]")
    first = expression.evaluate({"a": 2})
    assert first == [1, 2]
    first.append(3)
    assert expression.evaluate({"a": 2}) == [1, 2]


# -- equality ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("dietary == true", True),
        ("vegan == false", True),
        ("age == 30", True),
        ("age == 30.0", True),
        ("price == 12.5", True),
        ("name == 'Alice'", True),
        ("name == 'alice'", False),
        ("nothing == null", True),
        ("missing == null", True),
        ("zero == null", False),
        ("empty_text == null", False),
        ("vegan == null", False),
        ("tags == ['a', 'b', 1]", True),
        ("tags == ['a', 'b']", False),
        ("options == options", True),
        ("session.room == session.room", True),
        # bool and int are never equal, not even nested in lists.
        ("true == 1", False),
        ("false == 0", False),
        ("1 == true", False),
        ("dietary == 1", False),
        ("zero == false", False),
        ("flags == [1, 0]", False),
        ("flags == [true, false]", True),
        ("[[1]] == [[true]]", False),
        ("true != 1", True),
        ("age != 30", False),
        ("name != 'Bob'", True),
        ("'1' == 1", False),
        ("[] == null", False),
        ("no_options == []", False),
    ],
)
def test_equality(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


def test_equality_inside_dicts_keeps_bool_and_int_apart() -> None:
    context = {"a": {"k": True}, "b": {"k": 1}, "c": {"k": True}, "d": {"j": True}}
    assert evaluate("a == b", context) is False
    assert evaluate("a == c", context) is True
    assert evaluate("a == d", context) is False
    assert evaluate("a == [true]", context) is False


# -- ordering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("session.seats_left > 0", True),
        ("session.seats_left > 3", False),
        ("session.seats_left >= 3", True),
        ("age < 30.5", True),
        ("age <= 29", False),
        ("price > -1", True),
        ("-1 < 0", True),
        ("'abc' < 'abd'", True),
        ("name >= 'Alice'", True),
        # Incompatible types never compare, in either direction.
        ("age > '10'", False),
        ("age < '10'", False),
        ("'10' <= age", False),
        ("nothing < 1", False),
        ("nothing >= 1", False),
        ("missing > 0", False),
        ("missing <= 0", False),
        ("null <= null", False),
        ("dietary > 0", False),
        ("true > false", False),
        ("zero < true", False),
        ("tags > []", False),
        ("options < options", False),
        ("[1] < [2]", False),
    ],
)
def test_ordering(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


def test_ordering_with_special_floats() -> None:
    context = {"infinite": float("inf"), "nan": float("nan"), "huge": 10**400}
    assert evaluate("infinite > 1000", context) is True
    assert evaluate("huge > 1.5", context) is True
    assert evaluate("nan < 1", context) is False
    assert evaluate("nan == nan", context) is False


# -- membership ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("funding in ['perso', 'cpf']", True),
        ("funding in ['perso', 'opco']", False),
        ("funding not in ['perso', 'opco']", True),
        ("'a' in tags", True),
        ("1 in tags", True),
        ("true in tags", False),
        ("1 in flags", False),
        ("true in flags", True),
        ("[1] in [[true]]", False),
        ("[1] in [[1]]", True),
        ("null in [null]", True),
        ("missing in ['a']", False),
        ("missing in [null]", True),
        # Substring when both sides are text.
        ("'li' in name", True),
        ("'LI' in name", False),
        ("'' in name", True),
        ("1 in '123'", False),
        ("null in name", False),
        # Key membership for mappings.
        ("'x' in options", True),
        ("'y' in options", True),
        ("'z' in options", False),
        ("'floor' in session.room", True),
        ("tags in options", False),
        # Anything else is not a container.
        ("1 in 1", False),
        ("'a' in null", False),
        ("'a' in missing", False),
        ("'a' not in missing", True),
        ("true in dietary", False),
        ("x in no_tags", False),
    ],
)
def test_membership(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


def test_membership_in_tuples_and_sets() -> None:
    context = {"pair": ("a", 1), "set": {"a", 1}}
    assert evaluate("'a' in pair", context) is True
    assert evaluate("true in pair", context) is False
    assert evaluate("1 in set", context) is True
    assert evaluate("true in set", context) is False


# -- boolean operators ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("true and true", True),
        ("true and false", False),
        ("false or true", True),
        ("false or false", False),
        ("not true", False),
        ("not null", True),
        ("not missing", True),
        ("not not name", True),
        # The operands' truthiness decides, but the result is always a bool.
        ("name and age", True),
        ("name and zero", False),
        ("empty_text or no_tags", False),
        ("empty_text or tags", True),
        ("not a and b or c", False),
        ("mandate == 'autre' and not empty(other)", True),
        ("dietary == true", True),
        ("funding in ['perso', 'cpf'] and session.seats_left > 0", True),
    ],
)
def test_boolean_operators(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


def test_and_or_short_circuit() -> None:
    # Observable through a mapping that records which keys are read.
    class RecordingDict(dict[str, Any]):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.read: list[str] = []

        def get(self, key: str, default: Any = None) -> Any:
            self.read.append(key)
            return super().get(key, default)

    context = RecordingDict({"a": False, "b": True, "c": True})
    assert parse("a and b").evaluate(context) is False
    assert context.read == ["a"]

    context.read.clear()
    assert parse("b or c").evaluate(context) is True
    assert context.read == ["b"]


# -- functions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("empty(nothing)", True),
        ("empty(missing)", True),
        ("empty(empty_text)", True),
        ("empty(blank)", True),
        ("empty('\\n')", True),
        ("empty(no_tags)", True),
        ("empty(no_options)", True),
        ("empty(name)", False),
        ("empty(tags)", False),
        ("empty(options)", False),
        # False and 0 are answers, not missing answers.
        ("empty(vegan)", False),
        ("empty(zero)", False),
        ("empty(0.0)", False),
        ("empty([null])", False),
        ("len(name)", 5),
        ("len(tags)", 3),
        ("len(options)", 2),
        ("len(no_tags)", 0),
        ("len(nothing)", 0),
        ("len(missing)", 0),
        ("len(age)", 0),
        ("len(dietary)", 0),
        ("len([1, 2, [3, 4]])", 3),
        ("len(session.title) > 3", True),
        ("lower(name)", "alice"),
        ("lower('ÉCOLE')", "école"),
        ("lower(age)", 30),
        ("lower(nothing)", None),
        ("lower(tags)", ["a", "b", 1]),
        ("lower(name) == 'alice'", True),
        ("lower(funding) in ['cpf']", True),
    ],
)
def test_functions(source: str, expected: Any) -> None:
    result = evaluate(source)
    assert type(result) is type(expected)
    assert result == expected


# -- is_true -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("name", True),
        ("empty_text", False),
        ("blank", True),
        ("zero", False),
        ("age", True),
        ("tags", True),
        ("no_tags", False),
        ("options", True),
        ("no_options", False),
        ("nothing", False),
        ("missing", False),
        ("[]", False),
        ("[null]", True),
        ("len(tags)", True),
        ("lower(empty_text)", False),
    ],
)
def test_is_true_uses_truthiness(source: str, expected: bool) -> None:
    assert parse(source).is_true(CONTEXT) is expected


def test_context_need_not_be_a_dict() -> None:
    from types import MappingProxyType

    context = MappingProxyType({"session": MappingProxyType({"seats_left": 1})})
    assert parse("session.seats_left > 0").is_true(context) is True


def test_deeply_nested_data_does_not_exhaust_the_stack() -> None:
    deep: Any = []
    for _ in range(10_000):
        deep = [deep]
    other: Any = []
    for _ in range(10_000):
        other = [other]
    context = {"a": deep, "b": other, "d": {"x": deep}}
    assert parse("a == b").is_true(context) is True
    assert parse("a in [b]").is_true(context) is True
    assert parse("d == d").is_true(context) is True
    assert parse("empty(a)").is_true(context) is False
