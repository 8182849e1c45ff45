"""The request page's corrections: each time steps were sent back to the applicant, what was
asked, and every answer the applicant changed, as it was and as corrected."""

from __future__ import annotations

from typing import Any

from engine.compiled import CompiledWorkflow
from engine.service.corrections import corrections_of
from engine.service.requests import RequestService
from engine.store.models import RequestRow
from engine.wizard.display import display_answers

from .access import Desk
from .request_words import local_moment


def corrections_view(
    desk: Desk, service: RequestService, row: RequestRow, compiled: CompiledWorkflow
) -> list[dict[str, Any]]:
    words = desk.words
    steps = {step.id: step for step in compiled.wizard.steps}
    found = []

    def shown(answers: dict[str, Any]) -> dict[str, str]:
        # Each side shown with its own reference entries (a changed reference entry is named).
        entries = service.entries(compiled, answers)
        return display_answers(compiled.fields, answers, desk.locale, compiled.spec.locale, entries)

    for correction in corrections_of(desk.db, row.id):
        before = correction.before or {}
        after = correction.after or {}
        shown_before, shown_after = shown(before), shown(after)
        changes = []
        for field_id in [*before, *(k for k in after if k not in before)]:
            if before.get(field_id) == after.get(field_id) or field_id not in compiled.fields:
                continue
            label = getattr(compiled.fields[field_id], "label", None)
            changes.append(
                {
                    "label": compiled.text(label, desk.locale) if label else field_id,
                    "before": shown_before.get(field_id, ""),
                    "after": shown_after.get(field_id, ""),
                }
            )
        if correction.closed_at is None:
            status = words["bo_correction_waiting"]
        elif correction.superseded:
            status = words("bo_correction_superseded", at=local_moment(desk, correction.closed_at))
        else:
            status = words("bo_correction_done", at=local_moment(desk, correction.closed_at))
        found.append(
            {
                "asked": words(
                    "bo_correction_asked",
                    at=local_moment(desk, correction.opened_at),
                    by=correction.opened_by,
                ),
                "steps": ", ".join(
                    compiled.text(steps[s].spec.title, desk.locale) if s in steps else s
                    for s in correction.steps
                ),
                "comment": correction.comment or "",
                "status": status,
                "corrected": correction.after is not None,
                "changes": changes,
            }
        )
    return found
