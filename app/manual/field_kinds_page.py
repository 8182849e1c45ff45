"""The page of field kinds: what each `type:` of a wizard field is for, and its options."""

from __future__ import annotations

import inspect
from typing import Any

from engine.spec.fields import FIELD_KINDS, BaseField, InputField

from .markdown import GENERATED_NOTICE, options_table, references_in


def _schema(model: type[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/definitions/{model}")
    return schema, schema.pop("$defs", {})


def _doc(model: type[Any]) -> str:
    return inspect.cleandoc(model.__doc__ or "")


def field_kinds_page() -> str:
    base, _ = _schema(BaseField)
    common, _ = _schema(InputField)
    parts = [
        GENERATED_NOTICE,
        "# Field kinds",
        "A step's `fields` lists fields, each a mapping whose `type` is one of the kinds below, "
        "or `- include: <form id>` to insert the fields of `forms/<form id>.yaml`.",
        "## Options of every field",
        options_table(base),
        "## Options of every field that takes an answer",
        "Every kind below but `notice` also takes these:",
        options_table(common, skip=base["properties"]),
    ]
    nested: dict[str, dict[str, Any]] = {}
    for kind, model in FIELD_KINDS.items():
        schema, definitions = _schema(model)
        inherited = common["properties"] if issubclass(model, InputField) else base["properties"]
        parts += [f"## `{kind}`", _doc(model), options_table(schema, skip=[*inherited, "type"])]
        for name in sorted(references_in(schema)):
            nested.setdefault(name, definitions[name])
    if nested:
        parts.append("## Parts of the options above")
        for name, schema in nested.items():
            parts += [f"### {name}", schema.get("description", ""), options_table(schema)]
    return "\n\n".join(part for part in parts if part) + "\n"
