"""Building blocks shared by every model of the YAML formats, the spec's and the action kinds'
parameters alike: strict models, identifiers, translatable text, durations. Below both
packages, so that the spec can validate actions against the registry of action kinds while
those kinds declare their parameters with the same types."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .durations import parse_duration

IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"


class SpecModel(BaseModel):
    """Base of every model of the YAML format: immutable, and unknown keys are errors so that a
    typo in the YAML is reported with its place instead of being silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


Identifier = Annotated[
    str,
    StringConstraints(pattern=IDENTIFIER_PATTERN, max_length=64),
    Field(description="lower-case letters, digits and underscores, starting with a letter"),
]

# YAML 1.1 reads `no`, `off` or `on` as booleans and pydantic would take `1` or "yes": the format
# says true or false, and anything else is refused (E092) rather than guessed.
YamlBool = Annotated[bool, Strict()]

LocaleCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(?:-[A-Z]{2})?$")]

Text = str | dict[LocaleCode, str]
"""A text shown to people: either one string in the workflow's default locale, or a mapping
from locale to string (`{fr: "Prénom", en: "First name"}`)."""


def localized(text: Text, locale: str, default_locale: str) -> str:
    """The text in `locale`, falling back on the default locale, then on any translation."""
    if isinstance(text, str):
        return text
    return text.get(locale) or text.get(default_locale) or next(iter(text.values()), "")


def is_duration(value: str) -> bool:
    return parse_duration(value) is not None


DURATION_DESCRIPTION = (
    "a duration such as 7d, 48h, 30min, 2w, 45s, or the id of a setting of type duration"
)

DurationOrSetting = Annotated[str, Field(description=DURATION_DESCRIPTION)]


def _one_or_many(value: Any) -> Any:
    """Lets authors write `from: draft` as well as `from: [draft, pending]`."""
    if isinstance(value, str | dict):
        return [value]
    return value


class _OneOrManyJsonSchema:
    """Documents in the JSON Schema that a single item may stand for a one-item list."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        array = handler(schema)
        items = handler.resolve_ref_schema(array).get("items", {})
        return {"anyOf": [items, array]}


def one_or_many(item_type: Any) -> Any:
    return Annotated[tuple[item_type, ...], BeforeValidator(_one_or_many), _OneOrManyJsonSchema()]
