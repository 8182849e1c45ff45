"""Reading one field's raw form inputs into a clean, JSON-storable value, with French messages.

One reader per field kind in `READERS`, looked up by the field's kind, so a new field kind
registers its own reader instead of adding a branch here; the few kinds that read more than
one input, or say "required" their own way, have an entry in `INPUT_NAMES` or
`REQUIRED_MESSAGES`. Readers check format only; whether an empty value is allowed depends on
visibility and is decided by the step validation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import phonenumbers
from email_validator import EmailNotValidError, validate_email

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
from .messages import message

# Metropolitan departments 01-95 (with Corsica's 20), overseas 971-976 and 984-988, Monaco 980.
POSTAL_CODE_FR = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-5])\d{3}|97[1-6]\d{2}|98[0-8]\d{2}")

Inputs = Mapping[str, str | list[str]]

NEW_ENTRY_SUFFIX = "__new"
CONFIRM_SUFFIX = "__confirm"


class Catalog(Protocol):
    """Where reference lists and sessions are looked up (the spec's entries, or a database)."""

    def has_entry(self, list_id: str, entry_id: str) -> bool: ...

    def has_open_session(self, code: str) -> bool: ...


@dataclass(slots=True)
class Reading:
    """The outcome of reading a field: its value (None when left empty) and format errors,
    keyed by input name so that each message lands beside its input."""

    value: Any = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.value is None or self.value == [] or self.value is False


@dataclass(frozen=True, slots=True)
class ReadContext:
    locale: str
    default_locale: str
    catalog: Catalog
    today: date
    forms: Mapping[str, tuple[BaseField, ...]] = field(default_factory=dict)

    def say(self, key: str, **values: object) -> str:
        return message(self.locale, key, **values)


Reader = Callable[[Any, Inputs, ReadContext], Reading]
InputNames = Callable[[Any, ReadContext | None], list[str]]
RequiredMessage = Callable[[Any, ReadContext], str]


def _own_input(spec: BaseField, ctx: ReadContext | None) -> list[str]:
    return [spec.id]


def _plain_required(spec: BaseField, ctx: ReadContext) -> str:
    return ctx.say("required")


READERS: FieldKindTable[Reader] = FieldKindTable("reader of posted values")
# Most kinds read the one input named after the field.
INPUT_NAMES: FieldKindTable[InputNames] = FieldKindTable("input names", default=_own_input)
REQUIRED_MESSAGES: FieldKindTable[RequiredMessage] = FieldKindTable(
    "required message", default=_plain_required
)


def read_field(spec: BaseField, inputs: Inputs, ctx: ReadContext) -> Reading:
    return READERS.of(spec)(spec, inputs, ctx)


def input_names(spec: BaseField, ctx: ReadContext | None = None) -> list[str]:
    """The form inputs a field reads, so callers can keep what was typed on errors."""
    return INPUT_NAMES.of(spec)(spec, ctx)


def required_message(spec: BaseField, ctx: ReadContext) -> str:
    """What a visible required field left empty says."""
    return REQUIRED_MESSAGES.of(spec)(spec, ctx)


# Removed from answers: control characters, lone surrogates and the bidirectional embeddings,
# overrides and isolates (they can make a text read backwards elsewhere on a page). Other
# invisible formatting characters are kept: the zero-width joiner and non-joiner belong to emoji
# sequences and to Persian or Indic words, tag characters to subdivision flags.
_CONTROL = frozenset(("Cc", "Cs"))
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(raw: str, *, multiline: bool) -> str:
    """Drops control characters and bidirectional overrides (keeping line breaks in long
    texts), normalises to NFC and trims. Markup is kept as typed: it is escaped where it is
    shown."""
    text = unicodedata.normalize("NFC", raw)
    if text.isprintable():
        # No control, format or separator character but the space: nothing to drop (most
        # answers; the loop below costs microseconds a character).
        return text.strip()
    kept = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        if char == "\n" and multiline:
            kept.append(char)
        elif char in "\t\n":
            kept.append(" ")
        elif char not in _BIDI_CONTROLS and unicodedata.category(char) not in _CONTROL:
            kept.append(char)
    # Normalised again: a dropped character may have stood between a letter and its accent.
    return unicodedata.normalize("NFC", "".join(kept)).strip()


def _raw(inputs: Inputs, name: str) -> str:
    value = inputs.get(name)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def _raw_list(inputs: Inputs, name: str) -> list[str]:
    value = inputs.get(name)
    if value is None:
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]


def _length_errors(spec: TextField | LongTextField, text: str, ctx: ReadContext) -> str | None:
    if len(text) > spec.max_length:
        return ctx.say("too_long", max=spec.max_length, length=len(text))
    if spec.min_length is not None and text and len(text) < spec.min_length:
        return ctx.say("too_short", min=spec.min_length)
    return None


@READERS.register(TextField)
def _read_text(spec: TextField, inputs: Inputs, ctx: ReadContext) -> Reading:
    raw = _raw(inputs, spec.id)
    text = clean_text(raw, multiline=False)
    if not text:
        return Reading()
    problem = _length_errors(spec, text, ctx)
    if problem is None and spec.pattern is not None and not re.fullmatch(spec.pattern, text):
        problem = (
            localized(spec.pattern_message, ctx.locale, ctx.default_locale)
            if spec.pattern_message
            else ctx.say("pattern")
        )
    return Reading(text, {spec.id: problem} if problem else {})


@READERS.register(GivenField)
def _read_given(spec: GivenField, inputs: Inputs, ctx: ReadContext) -> Reading:
    # The inputs hold the stored answer (the drafts put it there, whatever was posted).
    text = clean_text(_raw(inputs, spec.id), multiline=False)[: spec.max_length]
    return Reading(text or None)


@READERS.register(LongTextField)
def _read_long_text(spec: LongTextField, inputs: Inputs, ctx: ReadContext) -> Reading:
    text = clean_text(_raw(inputs, spec.id), multiline=True)
    if not text:
        return Reading()
    problem = _length_errors(spec, text, ctx)  # type: ignore[arg-type]
    return Reading(text, {spec.id: problem} if problem else {})


def normalise_email(raw: str) -> str | None:
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@READERS.register(EmailField)
def _read_email(spec: EmailField, inputs: Inputs, ctx: ReadContext) -> Reading:
    text = clean_text(_raw(inputs, spec.id), multiline=False)
    if not text:
        return Reading()
    address = normalise_email(text) if len(text) <= 254 else None
    if address is None:
        return Reading(text, {spec.id: ctx.say("email")})
    if spec.confirm is not None:
        twin = clean_text(_raw(inputs, spec.id + CONFIRM_SUFFIX), multiline=False)
        if not twin:
            return Reading(address, {spec.id + CONFIRM_SUFFIX: ctx.say("email_confirm_required")})
        # Typed the same (but for case), it is the same address: no second parse.
        same = twin.lower() == text.lower()
        if not same and (normalise_email(twin) or twin).lower() != address.lower():
            return Reading(address, {spec.id + CONFIRM_SUFFIX: ctx.say("email_mismatch")})
    return Reading(address)


@INPUT_NAMES.register(EmailField)
def _email_inputs(spec: EmailField, ctx: ReadContext | None) -> list[str]:
    return [spec.id] if spec.confirm is None else [spec.id, spec.id + CONFIRM_SUFFIX]


@READERS.register(PhoneField)
def _read_phone(spec: PhoneField, inputs: Inputs, ctx: ReadContext) -> Reading:
    text = clean_text(_raw(inputs, spec.id), multiline=False)
    if not text:
        return Reading()
    try:
        number = phonenumbers.parse(text[:40], spec.region)
    except phonenumbers.NumberParseException:
        return Reading(text, {spec.id: ctx.say("phone")})
    if not phonenumbers.is_valid_number(number):
        return Reading(text, {spec.id: ctx.say("phone")})
    return Reading(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@READERS.register(PostalCodeField)
def _read_postal_code(spec: PostalCodeField, inputs: Inputs, ctx: ReadContext) -> Reading:
    text = re.sub(r"\s", "", clean_text(_raw(inputs, spec.id), multiline=False))
    if not text:
        return Reading()
    if not POSTAL_CODE_FR.fullmatch(text):
        return Reading(text, {spec.id: ctx.say("postal_code")})
    return Reading(text)


def _integer(text: str) -> int | None:
    compact = text.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    return int(compact) if re.fullmatch(r"[+-]?\d{1,15}", compact) else None


def year_bounds(spec: YearField, today: date) -> tuple[int | None, int | None]:
    def resolve(bound: int | str | None) -> int | None:
        return today.year if bound == "current" else bound  # type: ignore[return-value]

    return resolve(spec.min), resolve(spec.max)


@READERS.register(YearField)
def _read_year(spec: YearField, inputs: Inputs, ctx: ReadContext) -> Reading:
    text = clean_text(_raw(inputs, spec.id), multiline=False)
    if not text:
        return Reading()
    if not re.fullmatch(r"\d{4}", text):
        return Reading(text, {spec.id: ctx.say("year")})
    year = int(text)
    low, high = year_bounds(spec, ctx.today)
    if (low is not None and year < low) or (high is not None and year > high):
        if low is not None and high is not None:
            problem = ctx.say("year_range", min=low, max=high)
        elif low is not None:
            problem = ctx.say("year_min", min=low)
        else:
            problem = ctx.say("year_max", max=high)
        return Reading(year, {spec.id: problem})
    return Reading(year)


@READERS.register(IntegerField)
def _read_integer(spec: IntegerField, inputs: Inputs, ctx: ReadContext) -> Reading:
    text = clean_text(_raw(inputs, spec.id), multiline=False)
    if not text:
        return Reading()
    number = _integer(text)
    if number is None:
        return Reading(text, {spec.id: ctx.say("integer")})
    if spec.min is not None and number < spec.min:
        return Reading(number, {spec.id: ctx.say("integer_min", min=spec.min)})
    if spec.max is not None and number > spec.max:
        return Reading(number, {spec.id: ctx.say("integer_max", max=spec.max)})
    return Reading(number)


def _parse_date(text: str) -> date | None:
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", "dmy"),
    ):
        match = re.fullmatch(pattern, text)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


@READERS.register(DateField)
def _read_date(spec: DateField, inputs: Inputs, ctx: ReadContext) -> Reading:
    text = clean_text(_raw(inputs, spec.id), multiline=False)
    if not text:
        return Reading()
    day = _parse_date(text)
    if day is None:
        return Reading(text, {spec.id: ctx.say("date")})

    def bound(value: str | None) -> date | None:
        return (
            None if value is None else ctx.today if value == "today" else date.fromisoformat(value)
        )

    low, high = bound(spec.min), bound(spec.max)
    if low is not None and day < low:
        return Reading(
            day.isoformat(), {spec.id: ctx.say("date_min", min=low.strftime("%d/%m/%Y"))}
        )
    if high is not None and day > high:
        return Reading(
            day.isoformat(), {spec.id: ctx.say("date_max", max=high.strftime("%d/%m/%Y"))}
        )
    return Reading(day.isoformat())


@READERS.register(ChoiceField)
def _read_choice(spec: ChoiceField, inputs: Inputs, ctx: ReadContext) -> Reading:
    raw = _raw(inputs, spec.id)
    if not raw:
        return Reading()
    if raw not in {choice.id for choice in spec.choices}:
        return Reading(None, {spec.id: ctx.say("choice")})
    return Reading(raw)


@READERS.register(MultiChoiceField)
def _read_multi_choice(spec: MultiChoiceField, inputs: Inputs, ctx: ReadContext) -> Reading:
    known = [choice.id for choice in spec.choices]
    picked = _raw_list(inputs, spec.id)
    if any(value not in known for value in picked):
        return Reading([v for v in known if v in picked], {spec.id: ctx.say("choice")})
    values = [v for v in known if v in picked]  # declared order, no repeats
    if not values:
        return Reading([])
    if spec.min_selected is not None and len(values) < spec.min_selected:
        return Reading(values, {spec.id: ctx.say("too_few", min=spec.min_selected)})
    if spec.max_selected is not None and len(values) > spec.max_selected:
        return Reading(values, {spec.id: ctx.say("too_many", max=spec.max_selected)})
    return Reading(values)


_YES = {"yes", "oui", "true", "1", "on"}
_NO = {"no", "non", "false", "0", "off"}


@READERS.register(YesNoField)
def _read_yes_no(spec: YesNoField, inputs: Inputs, ctx: ReadContext) -> Reading:
    raw = _raw(inputs, spec.id).strip().lower()
    if not raw:
        return Reading()
    if raw in _YES:
        return Reading(True)
    if raw in _NO:
        # False is an answer, not an empty value: keep it distinguishable.
        return _Answered(False)
    return Reading(None, {spec.id: ctx.say("yes_no")})


class _Answered(Reading):
    """A Reading whose False value counts as given (a "no" to a yes/no question)."""

    def __init__(self, value: Any) -> None:
        super().__init__(value, {})

    @property
    def empty(self) -> bool:
        return False


@READERS.register(CheckboxField)
def _read_checkbox(spec: CheckboxField, inputs: Inputs, ctx: ReadContext) -> Reading:
    return Reading(_raw(inputs, spec.id).strip().lower() in _YES)


@REQUIRED_MESSAGES.register(CheckboxField)
def _checkbox_required(spec: CheckboxField, ctx: ReadContext) -> str:
    return ctx.say("required_checkbox")


@READERS.register(ConsentField)
def _read_consent(spec: ConsentField, inputs: Inputs, ctx: ReadContext) -> Reading:
    """The answer is the version of the document accepted, or None when not accepted: it is
    truthy exactly when accepted, and records what was accepted."""
    accepted = _raw(inputs, spec.id).strip().lower() in _YES
    return Reading(spec.document.version if accepted else None)


@REQUIRED_MESSAGES.register(ConsentField)
def _consent_required(spec: ConsentField, ctx: ReadContext) -> str:
    title = localized(spec.document.title, ctx.locale, ctx.default_locale)
    return ctx.say("required_consent", title=title)


@READERS.register(SessionField)
def _read_session(spec: SessionField, inputs: Inputs, ctx: ReadContext) -> Reading:
    code = clean_text(_raw(inputs, spec.id), multiline=False)
    if not code:
        return Reading()
    if len(code) > 64 or not ctx.catalog.has_open_session(code):
        return Reading(None, {spec.id: ctx.say("session")})
    return Reading(code)


@READERS.register(ReferenceChoiceField)
def _read_reference(spec: ReferenceChoiceField, inputs: Inputs, ctx: ReadContext) -> Reading:
    """An entry id, or `{"new": {...}}` when the applicant describes an entry not in the list
    (the sub-form's answers, validated like a step of their own)."""
    wants_new = _raw(inputs, spec.id + NEW_ENTRY_SUFFIX).strip().lower() in _YES
    if spec.not_found is not None and wants_new:
        prefix = f"{spec.id}{NEW_ENTRY_SUFFIX}__"
        sub_inputs = {
            key[len(prefix) :]: value for key, value in inputs.items() if key.startswith(prefix)
        }
        new: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for sub in ctx.forms.get(spec.not_found.form, ()):
            reading = read_field(sub, sub_inputs, ctx)
            errors.update({prefix + name: text for name, text in reading.errors.items()})
            if reading.empty and getattr(sub, "required", False):
                errors.setdefault(prefix + sub.id, ctx.say("required"))
            if not reading.empty:
                new[sub.id] = reading.value
        return Reading({"new": new}, errors)
    entry = clean_text(_raw(inputs, spec.id), multiline=False)
    if not entry:
        return Reading()
    if len(entry) > 64 or not ctx.catalog.has_entry(spec.list, entry):
        return Reading(None, {spec.id: ctx.say("reference")})
    return Reading(entry)


@INPUT_NAMES.register(ReferenceChoiceField)
def _reference_inputs(spec: ReferenceChoiceField, ctx: ReadContext | None) -> list[str]:
    names = [spec.id]
    if spec.not_found is not None:
        names.append(spec.id + NEW_ENTRY_SUFFIX)
        if ctx is not None:
            for sub in ctx.forms.get(spec.not_found.form, ()):
                names.append(f"{spec.id}{NEW_ENTRY_SUFFIX}__{sub.id}")
    return names


@READERS.register(NoticeField)
def _read_nothing(spec: NoticeField, inputs: Inputs, ctx: ReadContext) -> Reading:
    return Reading()  # a notice only shows text


READERS.check()
