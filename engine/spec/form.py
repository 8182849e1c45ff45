"""A reusable group of fields (`forms/*.yaml`), included by workflows."""

from __future__ import annotations

from pydantic import Field

from ..spec_types import SpecModel, Text
from .fields import AnyField


class FormGroup(SpecModel):
    title: Text | None = None
    description: Text | None = None
    fields: tuple[AnyField, ...] = Field(min_length=1)
