"""Answers as people read them: choice labels instead of ids, "Oui"/"Non", dates in French
order. Mails, PDFs and the backoffice show these (`display.<field>` in templates)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import phonenumbers

from ..spec.common import localized
from ..spec.fields import (
    BaseField,
    CheckboxField,
    ChoiceField,
    ConsentField,
    DateField,
    MultiChoiceField,
    PhoneField,
    ReferenceChoiceField,
    YesNoField,
)

_WORDS = {
    "fr": {
        "yes": "Oui",
        "no": "Non",
        "accepted": "Acceptées (version {version})",
        "not_accepted": "Non acceptées",
        "new_entry": "{label} (nouvelle entrée)",
    },
    "en": {
        "yes": "Yes",
        "no": "No",
        "accepted": "Accepted (version {version})",
        "not_accepted": "Not accepted",
        "new_entry": "{label} (new entry)",
    },
}


def display_value(
    spec: BaseField,
    value: Any,
    locale: str,
    default_locale: str,
    entry: Mapping[str, Any] | None = None,
) -> str:
    words = _WORDS.get(locale, _WORDS["fr"])

    def text(value: Any) -> str:
        return localized(value, locale, default_locale)

    if isinstance(spec, YesNoField):
        if value is None:
            return ""
        return text(spec.yes_label) if value else text(spec.no_label)
    if isinstance(spec, CheckboxField):
        return words["yes"] if value else words["no"]
    if isinstance(spec, ConsentField):
        return words["accepted"].format(version=value) if value else words["not_accepted"]
    if value is None:
        return ""
    if isinstance(spec, ChoiceField):
        labels = {c.id: text(c.label) for c in spec.choices}
        return labels.get(value, str(value))
    if isinstance(spec, MultiChoiceField):
        labels = {c.id: text(c.label) for c in spec.choices}
        return ", ".join(labels.get(v, str(v)) for v in value) if isinstance(value, list) else ""
    if isinstance(spec, ReferenceChoiceField):
        if entry is not None and entry.get("label"):
            label = str(entry["label"])
            return words["new_entry"].format(label=label) if entry.get("is_new") else label
        return str(value) if isinstance(value, str) else ""
    if isinstance(spec, DateField) and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(spec, PhoneField) and isinstance(value, str):
        try:
            number = phonenumbers.parse(value, spec.region)
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        except phonenumbers.NumberParseException:
            return value
    return str(value)


def display_answers(
    fields: Mapping[str, BaseField],
    answers: Mapping[str, Any],
    locale: str,
    default_locale: str,
    entries: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, str]:
    entries = entries or {}
    return {
        field_id: display_value(
            spec, answers.get(field_id), locale, default_locale, entries.get(field_id)
        )
        for field_id, spec in fields.items()
        if spec.has_answer
    }
