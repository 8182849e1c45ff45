"""JSON Schemas (draft-07, as yaml-language-server reads them) of the three YAML formats, so
editors complete and check the files as they are typed."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .spec.form import FormGroup
from .spec.layout import PdfLayout
from .spec.workflow import Workflow

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "workflow": (Workflow, "A workflow: wizard, process, reference lists, settings, roles."),
    "form": (FormGroup, "A reusable group of wizard fields, included by workflows."),
    "pdf_layout": (PdfLayout, "The layout of a generated PDF document."),
}


def json_schema(kind: str) -> dict[str, Any]:
    model, description = SCHEMAS[kind]
    generated = model.model_json_schema(ref_template="#/definitions/{model}")
    definitions = generated.pop("$defs", {})
    schema: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"{kind}.schema.json",
        "description": description,
        **generated,
    }
    if definitions:
        schema["definitions"] = definitions
    return schema


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
