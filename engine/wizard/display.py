"""Answers as people read them: choice labels instead of ids, "Oui"/"Non", dates in French
order. Mails, PDFs and the backoffice show these (`display.<field>` in templates).

One way of showing per field kind, in `DISPLAYS`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers

from ..spec.field_kinds import FieldKindTable
from ..spec.fields import (
    BaseField,
    CheckboxField,
    ChoiceField,
    ConsentField,
    DateField,
    EmailField,
    GivenField,
    IntegerField,
    LongTextField,
    MultiChoiceField,
    NoticeField,
    PhoneField,
    PostalCodeField,
    ReferenceChoiceField,
    SessionField,
    TextField,
    YearField,
    YesNoField,
)
from ..spec_types import localized
from ..translations import N_, Phrasebook

_WORDS = Phrasebook(
    {
        "yes": N_("Yes"),
        "no": N_("No"),
        "accepted": N_("Accepted (version {version})"),
        "not_accepted": N_("Not accepted"),
        "new_entry": N_("{label} (new entry)"),
    }
)


@dataclass(frozen=True, slots=True)
class Showing:
    """The language answers are shown in."""

    locale: str
    default_locale: str

    def text(self, value: Any) -> str:
        return localized(value, self.locale, self.default_locale)

    def word(self, key: str) -> str:
        return _WORDS.words(self.locale)[key]


Entry = Mapping[str, Any] | None  # the chosen entry, for a reference choice
Display = Callable[[Any, Any, Showing, Entry], str]
DISPLAYS: FieldKindTable[Display] = FieldKindTable("display of answers")


def display_value(
    spec: BaseField,
    value: Any,
    locale: str,
    default_locale: str,
    entry: Mapping[str, Any] | None = None,
) -> str:
    return DISPLAYS.of(spec)(spec, value, Showing(locale, default_locale), entry)


@DISPLAYS.register(
    TextField,
    LongTextField,
    EmailField,
    PostalCodeField,
    YearField,
    IntegerField,
    SessionField,
    NoticeField,
    GivenField,
)
def _as_typed(spec: BaseField, value: Any, showing: Showing, entry: Entry) -> str:
    return "" if value is None else str(value)


@DISPLAYS.register(YesNoField)
def _yes_no(spec: YesNoField, value: Any, showing: Showing, entry: Entry) -> str:
    if value is None:
        return ""
    return showing.text(spec.yes_label) if value else showing.text(spec.no_label)


@DISPLAYS.register(CheckboxField)
def _checkbox(spec: CheckboxField, value: Any, showing: Showing, entry: Entry) -> str:
    return showing.word("yes") if value else showing.word("no")


@DISPLAYS.register(ConsentField)
def _consent(spec: ConsentField, value: Any, showing: Showing, entry: Entry) -> str:
    return showing.word("accepted").format(version=value) if value else showing.word("not_accepted")


@DISPLAYS.register(ChoiceField)
def _choice(spec: ChoiceField, value: Any, showing: Showing, entry: Entry) -> str:
    if value is None:
        return ""
    labels = {c.id: showing.text(c.label) for c in spec.choices}
    return labels.get(value, str(value))


@DISPLAYS.register(MultiChoiceField)
def _multi_choice(spec: MultiChoiceField, value: Any, showing: Showing, entry: Entry) -> str:
    if value is None:
        return ""
    labels = {c.id: showing.text(c.label) for c in spec.choices}
    return ", ".join(labels.get(v, str(v)) for v in value) if isinstance(value, list) else ""


@DISPLAYS.register(ReferenceChoiceField)
def _reference(spec: ReferenceChoiceField, value: Any, showing: Showing, entry: Entry) -> str:
    if value is None:
        return ""
    if entry is not None and entry.get("label"):
        label = str(entry["label"])
        return showing.word("new_entry").format(label=label) if entry.get("is_new") else label
    return str(value) if isinstance(value, str) else ""


@DISPLAYS.register(DateField)
def _date(spec: DateField, value: Any, showing: Showing, entry: Entry) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


@DISPLAYS.register(PhoneField)
def _phone(spec: PhoneField, value: Any, showing: Showing, entry: Entry) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    try:
        number = phonenumbers.parse(value, spec.region)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return value


DISPLAYS.check()


def display_answers(
    fields: Mapping[str, BaseField],
    answers: Mapping[str, Any],
    locale: str,
    default_locale: str,
    entries: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, str]:
    entries = entries or {}
    showing = Showing(locale, default_locale)
    return {
        field_id: DISPLAYS.of(spec)(spec, answers.get(field_id), showing, entries.get(field_id))
        for field_id, spec in fields.items()
        if spec.has_answer
    }
