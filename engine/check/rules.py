"""Rules on values: bounds that contradict, patterns that do not compile, initial values and
defaults of the wrong type, sub-forms that do not fit their list, missing translations."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from email_validator import EmailNotValidError, validate_email

from ..spec.field_kinds import FieldKindTable
from ..spec.fields import (
    BaseField,
    DateField,
    IntegerField,
    MultiChoiceField,
    ReferenceChoiceField,
    TextField,
    YearField,
)
from ..spec.reference import ListField
from ..spec.source import SourceList, SourceMap
from ..spec_types import is_duration
from ..wizard.values import POSTAL_CODE_FR
from .context import CheckContext, PathT


def _numeric(bound: Any, current: int | None) -> int | None:
    if bound == "current":
        return current
    return bound if isinstance(bound, int) else None


# (checker, field, path of the field in the workflow) -> reports what is wrong
FieldRules = Callable[[CheckContext, Any, PathT], None]


def _no_rules(ctx: CheckContext, item: BaseField, path: PathT) -> None:
    return None


# Most kinds have no rule beyond what the spec's types already refuse.
FIELD_RULES: FieldKindTable[FieldRules] = FieldKindTable("field rules", default=_no_rules)


def check_field_rules(ctx: CheckContext) -> None:
    for i, step in enumerate(ctx.workflow.wizard.steps):
        for j, item in enumerate(step.fields):
            if isinstance(item, BaseField):
                FIELD_RULES.of(item)(ctx, item, ("wizard", "steps", i, "fields", j))


@FIELD_RULES.register(IntegerField, YearField)
def _number_bounds(ctx: CheckContext, item: IntegerField | YearField, path: PathT) -> None:
    # "current" moves every year: only fixed bounds can contradict each other.
    low, high = _numeric(item.min, None), _numeric(item.max, None)
    if low is not None and high is not None and low > high:
        ctx.report("E060", f"min {item.min} is greater than max {item.max}", (*path, "min"))


@FIELD_RULES.register(DateField)
def _date_bounds(ctx: CheckContext, item: DateField, path: PathT) -> None:
    if item.min and item.max and "today" not in (item.min, item.max) and item.min > item.max:
        ctx.report("E060", f"min {item.min} is after max {item.max}", (*path, "min"))


@FIELD_RULES.register(TextField)
def _text_rules(ctx: CheckContext, item: TextField, path: PathT) -> None:
    if item.min_length is not None and item.min_length > item.max_length:
        ctx.report(
            "E060",
            f"min_length {item.min_length} is greater than max_length {item.max_length}",
            (*path, "min_length"),
        )
    if item.pattern is not None:
        try:
            re.compile(item.pattern)
        except re.error as error:
            ctx.report("E061", f"pattern does not compile: {error}", (*path, "pattern"))


@FIELD_RULES.register(MultiChoiceField)
def _selection_bounds(ctx: CheckContext, item: MultiChoiceField, path: PathT) -> None:
    if (
        item.min_selected is not None
        and item.max_selected is not None
        and item.min_selected > item.max_selected
    ):
        ctx.report(
            "E060",
            f"min_selected {item.min_selected} is greater than max_selected {item.max_selected}",
            (*path, "min_selected"),
        )


@FIELD_RULES.register(ReferenceChoiceField)
def _sub_form_rules(ctx: CheckContext, item: ReferenceChoiceField, path: PathT) -> None:
    if item.not_found is not None:
        _check_sub_form(ctx, item, path)


def _check_sub_form(ctx: CheckContext, field: ReferenceChoiceField, path: PathT) -> None:
    assert field.not_found is not None
    form = ctx.loaded.forms.get(field.not_found.form)
    lists = {r.id: r for r in ctx.workflow.reference_lists}
    ref_list = lists.get(field.list)
    if form is None or form.model is None or ref_list is None:
        return
    columns = {f.id: f for f in ref_list.fields}
    answered = {f.id for f in form.model.fields if isinstance(f, BaseField) and f.has_answer}
    for k, sub in enumerate(form.model.fields):
        if sub.has_answer and sub.id != "label" and sub.id not in columns:
            ctx.report(
                "E063",
                f"field '{sub.id}' of form '{form.name}' is not a field of list '{ref_list.id}'",
                ("fields", k, "id"),
                f"the list's fields: label, {', '.join(columns)}",
                locator=form.locator,
                where=False,
            )
    missing = [c.id for c in ref_list.fields if c.required and c.id not in answered]
    if "label" not in answered:
        missing.insert(0, "label")
    if missing:
        ctx.report(
            "E063",
            f"form '{form.name}' does not ask for {', '.join(missing)}, "
            f"required to create an entry of list '{ref_list.id}'",
            (*path, "not_found", "form"),
        )


def value_problem(kind: str, value: Any) -> str | None:
    """Why `value` is not a valid value of a list field or setting of type `kind`, or None."""
    if value is None:
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else "expected true or false"
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "expected a whole number"
    if not isinstance(value, str):
        return "expected a text"
    if kind == "email":
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as error:
            return f"not a valid email address ({error})"
    if kind == "postal_code" and not POSTAL_CODE_FR.fullmatch(value):
        return "not a French postal code (5 digits)"
    if kind == "duration" and not is_duration(value):
        return "not a duration such as 7d, 48h or 30min"
    # An empty URL setting means "none" (the backoffice lets operators clear it).
    if kind == "url" and value and not re.match(r"^(https?|mailto):", value):
        return "not a URL (http://, https:// or mailto:)"
    return None


def check_values(ctx: CheckContext) -> None:
    wf = ctx.workflow
    for i, setting in enumerate(wf.settings):
        problem = value_problem(setting.type, setting.default)
        if problem:
            ctx.report(
                "E062",
                f"default of setting '{setting.id}' does not fit type {setting.type}: {problem}",
                ("settings", i, "default"),
                where=False,
            )
    lists = {r.id: r for r in wf.reference_lists}
    for i, ref_list in enumerate(wf.reference_lists):
        columns: dict[str, ListField] = {f.id: f for f in ref_list.fields}
        for j, entry in enumerate(ref_list.entries):
            base = ("reference_lists", i, "entries", j)
            for key, value in entry.values.items():
                column = columns.get(key)
                if column is None:
                    ctx.unknown(
                        "E011",
                        f"field of list '{ref_list.id}'",
                        key,
                        columns,
                        (*base, key),
                        locator=None,
                    )
                    continue
                if column.type == "reference":
                    target = lists.get(column.list or "")
                    ids = {e.id for e in target.entries} if target else set()
                    if target is not None and (not isinstance(value, str) or value not in ids):
                        ctx.unknown(
                            "E022", f"entry of list '{target.id}'", str(value), ids, (*base, key)
                        )
                    continue
                problem = value_problem(column.type, value)
                if problem:
                    ctx.report(
                        "E062",
                        f"value of '{key}' does not fit type {column.type}: {problem}",
                        (*base, key),
                    )
            for column in ref_list.fields:
                if column.required and entry.values.get(column.id) in (None, ""):
                    ctx.report(
                        "E004", f"missing key '{column.id}', required by list '{ref_list.id}'", base
                    )


def _texts(node: Any, path: PathT) -> Iterator[tuple[dict[str, Any], PathT]]:
    """Every translation mapping in the raw tree: a mapping whose keys are all locale codes."""
    if isinstance(node, SourceMap):
        keys = list(node)
        if (
            keys
            and all(isinstance(k, str) and re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", k) for k in keys)
            and all(isinstance(v, str) for v in node.values())
        ):
            yield node, path
            return
        for key, value in node.items():
            yield from _texts(value, (*path, key))
    elif isinstance(node, SourceList):
        for index, value in enumerate(node):
            yield from _texts(value, (*path, index))


def check_translations(ctx: CheckContext) -> None:
    default = ctx.workflow.locale
    declared = set(ctx.workflow.locales) | {default}
    for mapping, path in _texts(ctx.loaded.raw, ()):
        if default not in mapping:
            ctx.report(
                "E064",
                f"text has no '{default}' translation",
                path,
                "every text needs the workflow's default locale",
            )
        for locale in mapping:
            if locale not in declared:
                ctx.report(
                    "E064",
                    f"translation '{locale}' is not among the declared locales "
                    f"({', '.join(sorted(declared))})",
                    (*path, locale),
                    key=True,
                )
