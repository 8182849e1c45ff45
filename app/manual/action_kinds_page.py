"""The page of action kinds: what each action of a transition does, and its parameters, read
from the registry the spec is validated against."""

from __future__ import annotations

import inspect
from typing import Any

from engine.actions.builtin import default_registry

from .markdown import GENERATED_NOTICE, options_table, references_in


def action_kinds_page() -> str:
    parts = [
        GENERATED_NOTICE,
        "# Action kinds",
        "A transition's `actions` is a list; each item names one kind and its parameters "
        "(`- send_mail: {template: welcome, to: applicant}`), and may carry an `if:` condition "
        "read when the transition fires. Actions plan their effects (mails, documents, "
        "calls); what they plan is written in the firing's transaction and carried out "
        "afterwards by the worker.",
    ]
    nested: dict[str, dict[str, Any]] = {}
    for kind in sorted(default_registry(), key=lambda k: k.name):
        schema = kind.params.model_json_schema(ref_template="#/definitions/{model}")
        definitions = schema.pop("$defs", {})
        parts += [
            f"## `{kind.name}`",
            kind.description[:1].upper() + kind.description[1:] + ".",
            inspect.cleandoc(kind.params.__doc__ or ""),
            options_table(schema),
        ]
        for name in sorted(references_in(schema)):
            nested.setdefault(name, definitions[name])
    if nested:
        parts += [
            "## Recipients",
            "`to` and `cc` take `applicant` (the address the workflow's `applicant.email` "
            "names) or one of these mappings, alone or in a list:",
        ]
        for name, schema in sorted(nested.items()):
            parts += [f"### {name}", schema.get("description", ""), options_table(schema)]
    return "\n\n".join(part for part in parts if part) + "\n"
