"""Reference lists: the choices operators maintain in the backoffice (types, statuses,
funding methods, organisations...), declared with their own fields and initial entries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from ..spec_types import Identifier, SpecModel, Text, YamlBool

# What a list's own field holds in an entry written flat: text, a number, yes/no, or nothing.
_ENTRY_VALUE_SCHEMA: dict[str, Any] = {"type": ["string", "number", "boolean", "null"]}


def _flat_entry_schema(schema: dict[str, Any]) -> None:
    # The model forbids unknown keys once they are gathered under `values`; the YAML has them
    # flat beside `id` and `label`, so editors must accept any other key with a plain value.
    # Which keys are the list's fields is checked by `onboarding validate` (E011).
    schema["additionalProperties"] = _ENTRY_VALUE_SCHEMA


class ListField(SpecModel):
    """A column of a reference list besides the built-in `id` and `label`."""

    id: Identifier
    label: Text = Field(description="the column's name in the backoffice")
    type: Literal["text", "email", "postal_code", "phone", "boolean", "integer", "reference"]
    required: YamlBool = Field(False, description="true: every entry has a value")
    list: Identifier | None = Field(default=None, description="for type reference: the list")
    searchable: YamlBool = Field(
        False, description="true: a search box of a reference_choice field looks in it"
    )


class EntryStatus(SpecModel):
    id: Identifier
    label: Text = Field(description="the status's name")


class ReferenceEntry(SpecModel):
    """An initial entry: `id`, `label`, optional `status` and `active`, then the list's own
    fields, written flat beside them (`{id: x, label: X, postal_code: "75001"}`)."""

    model_config = ConfigDict(json_schema_extra=_flat_entry_schema)

    id: Identifier = Field(description="the entry's id, what answers and conditions name")
    label: Text = Field(description="what applicants and operators see")
    status: Identifier | None = Field(
        default=None, description="one of the list's statuses (default: its default_status)"
    )
    active: YamlBool = Field(True, description="false: kept for old requests, no longer offered")
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="the list's own fields, when not written flat beside id and label",
    )

    @model_validator(mode="before")
    @classmethod
    def _gather_field_values(cls, data: Any) -> Any:
        # Entries are written flat in YAML (`{id: x, label: X, postal_code: "75001"}`); the
        # list's own fields are gathered under `values` and checked against the list later.
        if not isinstance(data, dict) or "values" in data:
            return data
        own = {"id", "label", "status", "active"}
        gathered = {key: value for key, value in data.items() if key in own}
        gathered["values"] = {key: value for key, value in data.items() if key not in own}
        return gathered


class ReferenceList(SpecModel):
    id: Identifier
    label: Text = Field(description="the list's name in the backoffice")
    item_label: Text | None = Field(default=None, description="the name of one entry")
    fields: tuple[ListField, ...] = Field(
        (), description="the entries' own fields, besides id and label"
    )
    statuses: tuple[EntryStatus, ...] = Field(
        (), description="the statuses an entry may have (referenced, awaiting review...)"
    )
    default_status: Identifier | None = Field(
        None, description="the status of entries that name none"
    )
    entries: tuple[ReferenceEntry, ...] = Field(
        (),
        description="the entries loaded when the database is set up; operators edit them "
        "afterwards",
    )
