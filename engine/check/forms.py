"""The fields of a form opened inside a field (`not_found: {form: ...}`) get the checks the
wizard's own fields get, reported in the form's file. Included forms need nothing more: their
fields are spliced into the steps, keeping their positions, and checked there."""

from __future__ import annotations

from dataclasses import replace

from ..spec.fields import BaseField, ReferenceChoiceField
from ..spec.form import FormGroup
from .context import CheckContext, PathT
from .rules import FIELD_RULES


def _sub_forms(ctx: CheckContext) -> list[str]:
    names = {field.sub_form() for field in ctx.scope.fields.values()}
    return sorted(name for name in names if name is not None)


def _check_list(ctx: CheckContext, item: ReferenceChoiceField, path: PathT) -> None:
    lists = {r.id: r for r in ctx.workflow.reference_lists}
    ref_list = lists.get(item.list)
    if ref_list is None:
        ctx.unknown("E012", "reference list", item.list, lists, (*path, "list"))
        return
    columns = {f.id for f in ref_list.fields}
    for k, name in enumerate(item.search_fields):
        if name not in columns:
            ctx.unknown(
                "E011",
                f"field of list '{ref_list.id}'",
                name,
                columns,
                (*path, "search_fields", k),
            )


def _check_form(ctx: CheckContext, form: FormGroup) -> None:
    for k, item in enumerate(form.fields):
        if not isinstance(item, BaseField):
            continue
        path = ("fields", k)
        FIELD_RULES.of(item)(ctx, item, path)
        if isinstance(item, ReferenceChoiceField):
            _check_list(ctx, item, path)


def check_sub_forms(ctx: CheckContext) -> None:
    for name in _sub_forms(ctx):
        document = ctx.loaded.forms.get(name)
        if document is None or document.model is None:
            continue  # reported where the form is named, or where its file is broken
        # The same list of diagnostics, the paths read in the form's file.
        _check_form(replace(ctx, document=document.locator), document.model)
