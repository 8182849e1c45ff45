"""A reusable group of fields (`forms/*.yaml`), included by workflows."""

from __future__ import annotations

from pydantic import Field

from ..spec_types import SpecModel, Text
from .fields import AnyField


class FormGroup(SpecModel):
    title: Text | None = Field(None, description="the group's title")
    description: Text | None = Field(None, description="a paragraph presenting the group")
    fields: tuple[AnyField, ...] = Field(
        min_length=1, description="the fields the form inserts where it is included"
    )
