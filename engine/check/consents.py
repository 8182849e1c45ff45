"""Consent purposes: each reads an answer that says yes or no (a yes/no, checkbox or consent
field), and shares only fields that hold answers."""

from __future__ import annotations

from ..spec.fields import CheckboxField, ConsentField, YesNoField
from .context import CheckContext

AGREEING_KINDS = (YesNoField, CheckboxField, ConsentField)


def check_consents(ctx: CheckContext) -> None:
    fields = ctx.scope.fields
    answers = {fid for fid in ctx.scope.answers}
    for i, purpose in enumerate(ctx.workflow.consents):
        path = ("consents", i)
        field = fields.get(purpose.field)
        if field is None:
            ctx.unknown("E011", "field", purpose.field, answers, (*path, "field"))
        elif not isinstance(field, AGREEING_KINDS):
            ctx.report(
                "E076",
                f"field '{purpose.field}' is of type {field.type}: a consent is read from a "
                "yes_no, checkbox or consent field",
                (*path, "field"),
            )
        for j, shared in enumerate(purpose.shares):
            if shared not in answers:
                ctx.unknown("E011", "field", shared, answers, (*path, "shares", j))
