"""Turning pydantic's validation errors into diagnostics with places, codes and hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..actions.builtin import default_registry
from ..spec import form, layout, workflow  # noqa: F401  (defines every spec model)
from ..spec.locate import Locator
from ..spec.source import SourceMap, YamlProblem
from ..spec_types import SpecModel
from .diagnostics import Diagnostic

_SINGULAR = {
    "steps": "step",
    "fields": "field",
    "states": "state",
    "transitions": "transition",
    "settings": "setting",
    "roles": "role",
    "reference_lists": "reference list",
    "entries": "entry",
    "links": "link",
    "documents": "document",
    "categories": "category",
    "choices": "choice",
    "blocks": "block",
    "rows": "row",
    "actions": "action",
    "statuses": "status",
    "start_actions": "start action",
    "boxes": "box",
    "webhooks": "webhook",
    "retention": "retention rule",
    "consents": "consent purpose",
}

_YAML_CODES = {"syntax": "E001", "empty": "E002", "unreadable": "E007", "duplicate_key": "E008"}


def yaml_problem_diagnostics(problems: Iterable[YamlProblem]) -> list[Diagnostic]:
    return [Diagnostic(_YAML_CODES[p.kind], p.message, p.position, p.hint) for p in problems]


def describe(locator: Locator, path: Sequence[str | int]) -> str:
    """`" in transition 'approve'"`, or `" in action 2 of transition 'submit'"`: the innermost
    list items of `path`, up to the first one that has an id."""
    parts: list[str] = []
    for end in range(len(path), 1, -1):
        collection, index = path[end - 2], path[end - 1]
        if not (isinstance(index, int) and isinstance(collection, str)):
            continue
        node = locator.node(path[:end])
        name = _SINGULAR.get(collection, collection)
        if isinstance(node, dict) and isinstance(node.get("id"), str | int):
            parts.append(f"{name} '{node['id']}'")
            break
        parts.append(f"{name} {index + 1}")
    return f" in {' of '.join(parts)}" if parts else ""


@cache
def _all_key_names() -> tuple[str, ...]:
    """Every key the format knows, for "did you mean" hints on unknown keys."""
    default_registry()  # defines the parameter models of the action kinds
    names = {
        info.alias or name
        for model in _walk_subclasses(SpecModel)
        for name, info in model.model_fields.items()
    }
    return tuple(sorted(names))


def _walk_subclasses(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for sub in model.__subclasses__():
        found.extend(_walk_subclasses(sub))
    return found


def suggestion(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _field_name(path: Sequence[str | int]) -> str:
    for element in reversed(path):
        if isinstance(element, str):
            return element
    return "value"


def _diagnostic_for(
    error: ErrorDetails, locator: Locator, prefix: Sequence[str | int]
) -> Diagnostic | None:
    path = (*prefix, *error["loc"])
    kind = error["type"]
    where = describe(locator, path)
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "extra_forbidden":
        key = str(path[-1])
        parent = locator.node(path[:-1])
        expected = [k for k in _all_key_names() if not (isinstance(parent, dict) and k in parent)]
        return Diagnostic(
            "E003",
            f"unknown key '{key}'{where}{suggestion(key, expected)}",
            locator.at(path, key=True),
        )
    if kind == "missing":
        return Diagnostic("E004", f"missing key '{path[-1]}'{where}", locator.at(path[:-1]))
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag"))
        expected = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        return Diagnostic(
            "E006",
            f"unknown type '{tag}'{where}{suggestion(tag, expected)}",
            locator.at((*path, "type")),
            f"the known types are: {', '.join(expected)}",
        )
    if kind == "union_tag_not_found":
        return Diagnostic("E004", f"missing key 'type'{where}", locator.at(path))
    if kind == "unknown_action":
        return Diagnostic(
            "E020",
            f"{error['msg']}{where}",
            locator.at(path),
            f"the known action kinds are: {ctx.get('known')}",
        )
    if kind == "too_short" and isinstance(locator.node(path), list) and locator.node(path):
        return None  # the items are there but invalid: their own errors say why
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return Diagnostic(
            "E005", f"'{_field_name(path)}'{where} must be a mapping", locator.at(path)
        )
    if kind == "bool_type":
        return Diagnostic(
            "E092",
            f"'{_field_name(path)}'{where} is {_written(locator.node(path))}: a yes/no value "
            "is written true or false",
            locator.at(path),
            "write true or false, without quotes: no, off, yes, on, 1 and 0 are not yes/no values",
        )
    message = error["msg"]
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == r"^[a-z][a-z0-9_]*$":
        message = "an id uses lower-case letters, digits and underscores, starting with a letter"
    return Diagnostic(
        "E005", f"invalid value for '{_field_name(path)}'{where}: {message}", locator.at(path)
    )


def _written(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else f"{value!r}"


def validation_diagnostics(
    error: ValidationError, locator: Locator, prefix: Sequence[str | int] = ()
) -> list[Diagnostic]:
    found = (_diagnostic_for(e, locator, prefix) for e in error.errors(include_url=False))
    return [diagnostic for diagnostic in found if diagnostic is not None]


def must_be_mapping(value: Any, locator: Locator, what: str) -> list[Diagnostic]:
    if isinstance(value, SourceMap):
        return []
    return [
        Diagnostic("E002", f"{what} must be a YAML mapping (key: value lines)", locator.fallback)
    ]
