"""The page of the file formats: every option of a workflow, a form and a PDF layout, read
from the JSON Schemas editors use (field kinds and action kinds have pages of their own)."""

from __future__ import annotations

from typing import Any

from engine.actions.builtin import default_registry
from engine.schema import SCHEMAS, json_schema
from engine.spec.fields import FIELD_KINDS

from .markdown import GENERATED_NOTICE, options_table, references_in

FILES = {
    "workflow": "`workflows/<id>.yaml`",
    "form": "`forms/<id>.yaml`",
    "pdf_layout": "`pdf_layouts/<id>.yaml`",
}


def _documented_elsewhere() -> set[str]:
    """The parts of field kinds and action kinds, which their own pages describe."""
    models: list[Any] = [*FIELD_KINDS.values(), *(kind.params for kind in default_registry())]
    names = {"IncludeItem"}
    for model in models:
        names.add(model.__name__)
        names |= references_in(model.model_json_schema())
    return names


def formats_page() -> str:
    elsewhere = _documented_elsewhere()
    parts = [
        GENERATED_NOTICE,
        "# File formats",
        "Every option of the three YAML formats, as their JSON Schemas (`schema/`) give them to "
        "editors. Field kinds and action kinds are in [Field kinds](field-kinds.md) and "
        '[Action kinds](action-kinds.md). A text ("text (or translations)") is one string in '
        "the workflow's language or a map of translations; a duration is written `7d`, `48h`, "
        "`30min`, `2w` or `45s`, or names a setting of type duration.",
    ]
    for kind in SCHEMAS:
        schema = json_schema(kind)
        definitions: dict[str, Any] = schema.get("definitions", {})
        parts += [f"## {FILES[kind]}", schema["description"], options_table(schema)]
        for name in sorted(set(definitions) - elsewhere):
            definition = definitions[name]
            parts += [
                f"### {name} ({kind.replace('_', ' ')})",
                definition.get("description", ""),
                options_table(definition),
            ]
    return "\n\n".join(part for part in parts if part) + "\n"
