"""The page of a mailed link while steps of its request are reopened: those steps' fields,
filled with the answers given (or with what was just posted, beside its errors), and the button
that sends them back. The other answers are not shown: they stay as they were."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from engine.compiled import CompiledWorkflow
from engine.service.requests import RequestService
from engine.service.resubmission import reopened_steps
from engine.store.models import AnswerCorrection, RequestRow
from engine.wizard.replay import inputs_from_answers
from engine.wizard.values import Inputs

from ..fields import FieldBuilder
from ..i18n import Words
from ..pages import render


def correction_page(
    request: Request,
    service: RequestService,
    row: RequestRow,
    compiled: CompiledWorkflow,
    correction: AnswerCorrection,
    *,
    locale: str,
    frame: dict[str, Any],
    action: str,
    posted: Inputs | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    words = Words(locale)
    errors = errors or {}
    steps = reopened_steps(service, row, compiled, correction)
    stored: dict[str, Any] = {}
    for step in steps:
        stored.update(inputs_from_answers(step, row.answers, compiled.wizard.forms))
    inputs = posted if posted is not None else stored
    extras = service.extras(row, compiled)
    # The wizard's search of reference lists serves this page too (it reads no draft).
    wizard = f"/{compiled.spec.wizard.path}" + (f"/{row.session_code}" if row.session_code else "")
    builder = FieldBuilder(
        compiled=compiled,
        catalog=service.catalog(compiled),
        locale=locale,
        inputs=inputs,
        errors=errors,
        notice_context=lambda: compiled.template_context(service.snapshot(row, compiled)),
        search_url=lambda field_id: f"{wizard}/recherche/{field_id}",
        today=service.runtime.today(),
        words=words,
    )
    sections = []
    for step in steps:
        visible = {f.id for f in compiled.wizard.visible_fields(step, row.answers, extras)}
        sections.append(
            {
                "title": compiled.text(step.spec.title, locale),
                "fields": [builder.build(f.spec, hidden=f.id not in visible) for f in step.fields],
            }
        )
    transition = compiled.process.transitions[correction.resubmit]
    return render(
        request,
        "links/corrections.html",
        {
            **frame,
            "title": words("corrections_title", reference=row.reference or ""),
            "comment": correction.comment or "",
            "sections": sections,
            "errors": [(name, text) for name, text in errors.items()],
            "message": message,
            "transition": correction.resubmit,
            "button": compiled.text(transition.label, locale),
            "version": row.version,
            "action": action,
        },
        status=status,
        locale=locale,
    )
