"""Reference lists: the choices operators maintain in the backoffice (types, statuses,
funding methods, organisations...), declared with their own fields and initial entries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..spec_types import Identifier, SpecModel, Text, YamlBool


class ListField(SpecModel):
    """A column of a reference list besides the built-in `id` and `label`."""

    id: Identifier
    label: Text
    type: Literal["text", "email", "postal_code", "phone", "boolean", "integer", "reference"]
    required: YamlBool = False
    list: Identifier | None = Field(default=None, description="for type reference: the list")
    searchable: YamlBool = False


class EntryStatus(SpecModel):
    id: Identifier
    label: Text


class ReferenceEntry(SpecModel):
    """An initial entry: `id`, `label`, optional `status` and `active`, then the list's fields."""

    id: Identifier
    label: Text
    status: Identifier | None = None
    active: YamlBool = True
    values: dict[str, Any] = Field(default_factory=dict)

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
    label: Text
    item_label: Text | None = Field(default=None, description="the name of one entry")
    fields: tuple[ListField, ...] = ()
    statuses: tuple[EntryStatus, ...] = ()
    default_status: Identifier | None = None
    entries: tuple[ReferenceEntry, ...] = ()
