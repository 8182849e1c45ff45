"""Duplicate ids and reserved names."""

from __future__ import annotations

from collections.abc import Iterable

from ..spec.fields import BaseField
from .context import CheckContext, PathT
from .scope import RESERVED_FIELD_IDS


def _duplicates(ctx: CheckContext, what: str, items: Iterable[tuple[str, PathT]]) -> None:
    seen: dict[str, PathT] = {}
    for name, path in items:
        if name in seen:
            first = ctx.locator.at(seen[name])
            ctx.report(
                "E010",
                f"duplicate {what} id '{name}' (first declared at line "
                f"{first.line} of {first.file})",
                (*path, "id"),
                where=False,
            )
        else:
            seen[name] = path


def check_names(ctx: CheckContext) -> None:
    wf = ctx.workflow
    _duplicates(ctx, "setting", ((s.id, ("settings", i)) for i, s in enumerate(wf.settings)))
    _duplicates(ctx, "role", ((r.id, ("roles", i)) for i, r in enumerate(wf.roles)))
    _duplicates(ctx, "link", ((k.id, ("links", i)) for i, k in enumerate(wf.links)))
    _duplicates(ctx, "document", ((d.id, ("documents", i)) for i, d in enumerate(wf.documents)))
    _duplicates(
        ctx,
        "reference list",
        ((r.id, ("reference_lists", i)) for i, r in enumerate(wf.reference_lists)),
    )
    for i, ref in enumerate(wf.reference_lists):
        base = ("reference_lists", i)
        _duplicates(
            ctx, "entry", ((e.id, (*base, "entries", j)) for j, e in enumerate(ref.entries))
        )
        _duplicates(
            ctx, "list field", ((f.id, (*base, "fields", j)) for j, f in enumerate(ref.fields))
        )
        _duplicates(
            ctx, "status", ((s.id, (*base, "statuses", j)) for j, s in enumerate(ref.statuses))
        )
    _duplicates(
        ctx, "step", ((s.id, ("wizard", "steps", i)) for i, s in enumerate(wf.wizard.steps))
    )
    _duplicates(
        ctx,
        "field",
        (
            (item.id, ("wizard", "steps", i, "fields", j))
            for i, step in enumerate(wf.wizard.steps)
            for j, item in enumerate(step.fields)
            if isinstance(item, BaseField)
        ),
    )
    for i, step in enumerate(wf.wizard.steps):
        for j, item in enumerate(step.fields):
            path = ("wizard", "steps", i, "fields", j)
            if isinstance(item, BaseField) and item.id in RESERVED_FIELD_IDS:
                ctx.report(
                    "E024",
                    f"'{item.id}' is a reserved name and cannot be a field id",
                    (*path, "id"),
                    f"reserved: {', '.join(sorted(RESERVED_FIELD_IDS))}",
                    where=False,
                )
            choices = item.declared_choices() if isinstance(item, BaseField) else ()
            _duplicates(
                ctx, "choice", ((c.id, (*path, "choices", k)) for k, c in enumerate(choices))
            )
    process = ("process",)
    _duplicates(
        ctx,
        "category",
        ((c.id, (*process, "categories", i)) for i, c in enumerate(wf.process.categories)),
    )
    _duplicates(
        ctx, "state", ((s.id, (*process, "states", i)) for i, s in enumerate(wf.process.states))
    )
    _duplicates(
        ctx,
        "transition",
        ((t.id, (*process, "transitions", i)) for i, t in enumerate(wf.process.transitions)),
    )
    _duplicates(ctx, "webhook", ((h.id, ("webhooks", i)) for i, h in enumerate(wf.webhooks)))
    _duplicates(
        ctx, "retention rule", ((r.id, ("retention", i)) for i, r in enumerate(wf.retention))
    )
    _duplicates(
        ctx, "consent purpose", ((c.id, ("consents", i)) for i, c in enumerate(wf.consents))
    )
