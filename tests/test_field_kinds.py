"""The registry of field kinds: every kind has its behaviour in every table, a kind added
without its entries is refused at start-up with the table's name, and every kind has a
template. What someone adding a field kind relies on (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from jinja2 import ChoiceLoader, FileSystemLoader

import engine.check.rules
import engine.samples
import engine.wizard.display
import engine.wizard.replay
import engine.wizard.values
import web.fields
from engine.spec import field_kinds
from engine.spec.field_kinds import FieldKindError, FieldKindTable
from engine.spec.fields import FIELD_KINDS, InputField, PhoneField, TextField
from web.i18n import Words
from web.pages import make_templates

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


def _field_html(view: web.fields.FieldView, extra_folder: Path | None = None) -> str:
    environment = make_templates().env
    if extra_folder is not None:
        environment.loader = ChoiceLoader([environment.loader, FileSystemLoader(extra_folder)])
    template = environment.from_string(
        '{% from "fields/field.html" import field %}{{ field(f, words) }}'
    )
    return template.render(f=view, words=Words("fr"))


def test_every_kind_is_laid_out() -> None:
    """`field` (fields/field.html) lays out each kind of the spec: its answer's input (or, for
    a notice, its text) is on the page, inside the field's frame."""
    laid_out = {
        "notice": "Lisez ceci",
        "given": 'id="x"',
        "session": 'name="x"',
        "consent": 'name="x"',
        "checkbox": 'name="x"',
    }
    for kind in FIELD_KINDS:
        view = web.fields.FieldView(id="x", name="x", type=kind, label="Libellé", value="v")
        view.options = [web.fields.Option("a", "A")]
        view.extra = {
            "max_length": 10,
            "rows": 3,
            "min": None,
            "max": None,
            "display": "radio",
            "document": {"title": "CGU", "url": "/cgu"},
            "html": "Lisez ceci",
            "style": "info",
        }
        html = _field_html(view)
        assert html.lstrip().startswith(f'<div class="field field--{kind}'), kind
        assert laid_out.get(kind, 'name="x"') in html, kind


def test_a_kind_added_later_brings_its_own_template(tmp_path: Path) -> None:
    """A kind fields/field.html does not know is laid out by `fields/<kind>.html`, which may
    use the macros of fields/_parts.html, inside the field's frame."""
    (tmp_path / "fields").mkdir()
    (tmp_path / "fields" / "rating.html").write_text(
        "{{ parts.label(f, words) }}\n{{ parts.help(f, words) }}\n"
        '<input class="input" type="number" id="{{ f.name }}" name="{{ f.name }}"'
        ' value="{{ f.value }}"{{ parts.aria(f) }} min="1" max="5">',
        encoding="utf-8",
    )
    view = web.fields.FieldView(id="stars", name="stars", type="rating", label="Note")
    view.required, view.error = True, "Choisissez une note."
    html = _field_html(view, tmp_path)
    assert '<div class="field field--rating field--error" data-field="stars">' in html
    assert '<label class="field__label" for="stars">Note <span class="field__required"' in html
    assert 'id="stars-error"' in html
    assert '<input class="input" type="number" id="stars" name="stars" value=""' in html
    assert 'aria-invalid="true" aria-required="true" min="1" max="5">' in html
