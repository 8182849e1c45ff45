"""Stored answers turned back into form inputs: to pre-fill a step the applicant returns to,
and to re-validate every step on submission whatever the browser sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import phonenumbers

from ..spec.fields import (
    BaseField,
    CheckboxField,
    ConsentField,
    EmailField,
    MultiChoiceField,
    PhoneField,
    ReferenceChoiceField,
    YesNoField,
)
from .values import CONFIRM_SUFFIX, NEW_ENTRY_SUFFIX


def phone_for_display(stored: str, region: str) -> str:
    """ "+33612345678" is shown back as the applicant would write it: "06 12 34 56 78"."""
    try:
        number = phonenumbers.parse(stored, region)
    except phonenumbers.NumberParseException:
        return stored
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


if TYPE_CHECKING:
    from .plan import CompiledStep


def field_inputs(
    spec: BaseField, value: Any, forms: Mapping[str, tuple[BaseField, ...]]
) -> dict[str, str | list[str]]:
    if value is None:
        return {}
    if isinstance(spec, YesNoField):
        return {spec.id: "yes" if value else "no"}
    if isinstance(spec, CheckboxField | ConsentField):
        return {spec.id: "on"} if value else {}
    if isinstance(spec, MultiChoiceField):
        return {spec.id: [str(v) for v in value]} if isinstance(value, list) else {}
    if isinstance(spec, ReferenceChoiceField) and isinstance(value, dict):
        new = value.get("new") if isinstance(value.get("new"), dict) else {}
        inputs: dict[str, str | list[str]] = {spec.id + NEW_ENTRY_SUFFIX: "on"}
        prefix = f"{spec.id}{NEW_ENTRY_SUFFIX}__"
        subs = forms.get(spec.not_found.form, ()) if spec.not_found else ()
        for sub in subs:
            inputs.update(
                {prefix + k: v for k, v in field_inputs(sub, new.get(sub.id), forms).items()}
            )
        return inputs
    if isinstance(spec, PhoneField):
        return {spec.id: phone_for_display(str(value), spec.region)}
    inputs = {spec.id: str(value)}
    if isinstance(spec, EmailField) and spec.confirm is not None:
        inputs[spec.id + CONFIRM_SUFFIX] = str(value)
    return inputs


def inputs_from_answers(
    step: CompiledStep, answers: Mapping[str, Any], forms: Mapping[str, tuple[BaseField, ...]]
) -> dict[str, str | list[str]]:
    inputs: dict[str, str | list[str]] = {}
    for compiled in step.fields:
        inputs.update(field_inputs(compiled.spec, answers.get(compiled.id), forms))
    return inputs
