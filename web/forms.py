"""Reading posted forms into the engine's Inputs (field name -> value or values)."""

from __future__ import annotations

from starlette.datastructures import FormData

from engine.wizard.values import Inputs

# Our own controls (navigation, CSRF, visibility bookkeeping) start with an underscore; no
# field id can (identifiers start with a letter).
MAX_VALUES_PER_NAME = 200


def form_inputs(form: FormData) -> Inputs:
    inputs: dict[str, str | list[str]] = {}
    for name in {key for key, _ in form.multi_items()}:
        if name.startswith("_"):
            continue
        values = [v for v in form.getlist(name) if isinstance(v, str)][:MAX_VALUES_PER_NAME]
        if not values:
            continue
        inputs[name] = values[0] if len(values) == 1 else values
    return inputs


def form_text(form: FormData, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""
