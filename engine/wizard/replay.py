"""Stored answers turned back into form inputs: to pre-fill a step the applicant returns to,
and to re-validate every step on submission whatever the browser sent.

One way back per field kind, in `REPLAYS`: what the kind's reader reads, it gives back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
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
from .steps import CompiledStep
from .values import CONFIRM_SUFFIX, NEW_ENTRY_SUFFIX


@lru_cache(maxsize=4096)
def phone_for_display(stored: str, region: str) -> str:
    """ "+33612345678" is shown back as the applicant would write it: "06 12 34 56 78".
    Kept for the numbers of the drafts being filled in: each page of a draft shows it again."""
    try:
        number = phonenumbers.parse(stored, region)
    except phonenumbers.NumberParseException:
        return stored
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


Forms = Mapping[str, tuple[BaseField, ...]]
FormInputs = dict[str, str | list[str]]
# (field, its stored answer, never None; the sub-forms) -> the inputs that would give it
Replay = Callable[[Any, Any, Forms], FormInputs]
REPLAYS: FieldKindTable[Replay] = FieldKindTable("inputs of a stored answer")


def field_inputs(spec: BaseField, value: Any, forms: Forms) -> FormInputs:
    if value is None:
        return {}
    return REPLAYS.of(spec)(spec, value, forms)


@REPLAYS.register(
    TextField,
    LongTextField,
    PostalCodeField,
    YearField,
    IntegerField,
    DateField,
    ChoiceField,
    SessionField,
    NoticeField,
    GivenField,
)
def _as_typed(spec: BaseField, value: Any, forms: Forms) -> FormInputs:
    return {spec.id: str(value)}


@REPLAYS.register(EmailField)
def _email(spec: EmailField, value: Any, forms: Forms) -> FormInputs:
    inputs: FormInputs = {spec.id: str(value)}
    if spec.confirm is not None:
        inputs[spec.id + CONFIRM_SUFFIX] = str(value)
    return inputs


@REPLAYS.register(PhoneField)
def _phone(spec: PhoneField, value: Any, forms: Forms) -> FormInputs:
    return {spec.id: phone_for_display(str(value), spec.region)}


@REPLAYS.register(YesNoField)
def _yes_no(spec: YesNoField, value: Any, forms: Forms) -> FormInputs:
    return {spec.id: "yes" if value else "no"}


@REPLAYS.register(CheckboxField, ConsentField)
def _ticked(spec: BaseField, value: Any, forms: Forms) -> FormInputs:
    return {spec.id: "on"} if value else {}


@REPLAYS.register(MultiChoiceField)
def _multi_choice(spec: MultiChoiceField, value: Any, forms: Forms) -> FormInputs:
    return {spec.id: [str(v) for v in value]} if isinstance(value, list) else {}


@REPLAYS.register(ReferenceChoiceField)
def _reference(spec: ReferenceChoiceField, value: Any, forms: Forms) -> FormInputs:
    """An entry id, or the sub-form's answers of an entry the applicant described."""
    if not isinstance(value, dict):
        return {spec.id: str(value)}
    new = value.get("new") if isinstance(value.get("new"), dict) else {}
    inputs: FormInputs = {spec.id + NEW_ENTRY_SUFFIX: "on"}
    prefix = f"{spec.id}{NEW_ENTRY_SUFFIX}__"
    subs = forms.get(spec.not_found.form, ()) if spec.not_found else ()
    for sub in subs:
        inputs.update({prefix + k: v for k, v in field_inputs(sub, new.get(sub.id), forms).items()})
    return inputs


REPLAYS.check()


def inputs_from_answers(step: CompiledStep, answers: Mapping[str, Any], forms: Forms) -> FormInputs:
    inputs: FormInputs = {}
    for compiled in step.fields:
        inputs.update(field_inputs(compiled.spec, answers.get(compiled.id), forms))
    return inputs
