"""The registry of field kinds: every kind has its behaviour in every table, a kind added
without its entries is refused at start-up with the table's name, and every kind has a
template. What someone adding a field kind relies on (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

import engine.check.rules
import engine.samples
import engine.wizard.display
import engine.wizard.replay
import engine.wizard.values
import web.fields
from engine.spec import field_kinds
from engine.spec.field_kinds import FieldKindError, FieldKindTable
from engine.spec.fields import FIELD_KINDS, InputField, PhoneField, TextField

PROJECT = Path(__file__).resolve().parent.parent

# The tables a new kind must fill, and those whose default fits most kinds.
EVERY_KIND = {
    "reader of posted values": engine.wizard.values.READERS,
    "display of answers": engine.wizard.display.DISPLAYS,
    "inputs of a stored answer": engine.wizard.replay.REPLAYS,
    "sample inputs": engine.samples.SAMPLES,
    "field view": web.fields.VIEWS,
}
WITH_DEFAULT = {
    "input names": engine.wizard.values.INPUT_NAMES,
    "required message": engine.wizard.values.REQUIRED_MESSAGES,
    "field rules": engine.check.rules.FIELD_RULES,
}


class RatingField(InputField):
    """A kind that exists only in this test, as someone adding one would begin."""

    type: Literal["rating"]


def test_the_kinds_are_those_of_the_spec_union() -> None:
    assert list(FIELD_KINDS)[:3] == ["text", "long_text", "email"]
    assert len(FIELD_KINDS) == 17
    assert all(cls.kind == kind for kind, cls in FIELD_KINDS.items())
    assert TextField(id="x", type="text", label="X").kind == "text"
    assert RatingField.kind == "rating"


def test_every_table_has_an_entry_for_every_kind() -> None:
    tables = {table.concern: table for table in FieldKindTable.tables}
    assert tables.keys() >= EVERY_KIND.keys() | WITH_DEFAULT.keys()
    for concern, table in EVERY_KIND.items():
        assert sorted(table.handlers) == sorted(FIELD_KINDS), concern
    for concern, table in tables.items():
        assert table.missing() == [], concern


def test_a_kind_without_its_entries_is_refused_naming_each_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(field_kinds.FIELD_KINDS, "rating", RatingField)
    for concern, table in EVERY_KIND.items():
        with pytest.raises(FieldKindError, match=f"^no {concern} for field kind\\(s\\) rating$"):
            table.check()
    for table in WITH_DEFAULT.values():
        table.check()  # the default serves the new kind
    rating = RatingField(id="stars", type="rating", label="Note")
    with pytest.raises(FieldKindError, match="no display of answers for field kind 'rating'"):
        engine.wizard.display.display_value(rating, 4, "fr", "fr")
    assert engine.wizard.values.input_names(rating) == ["stars"]


def test_an_entry_is_given_once_and_only_for_a_kind() -> None:
    table: FieldKindTable[object] = FieldKindTable("test entries")
    try:
        table.register(PhoneField)(print)
        with pytest.raises(FieldKindError, match="field kind 'phone' given twice"):
            table.register(PhoneField)(print)
        with pytest.raises(FieldKindError, match="InputField is not a field kind"):
            table.register(InputField)(print)
        with pytest.raises(FieldKindError, match="RatingField is not a field kind"):
            table.register(RatingField)(print)
        assert "phone" not in table.missing() and "text" in table.missing()
    finally:
        FieldKindTable.tables.remove(table)


def test_every_kind_has_its_template() -> None:
    folder = PROJECT / "web" / "templates" / "fields"
    missing = [kind for kind in FIELD_KINDS if not (folder / f"{kind}.html").is_file()]
    assert missing == []
