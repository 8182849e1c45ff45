"""The applicant's corrections of the steps a `reopen` sent back: validated as the wizard
validates them, saved with the answers they replace, then the resubmission fired."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..compiled import CompiledWorkflow
from ..process.actors import Actor
from ..process.firing import FireResult
from ..store.models import AnswerCorrection, RequestRow
from ..wizard.steps import CompiledStep
from ..wizard.values import Inputs
from .corrections import open_correction_of
from .drafts import given_inputs
from .request_columns import fill_queue_columns
from .requests import Conflict, RequestService
from .transaction import writing


class CorrectionClosed(Exception):
    """Nothing to correct any more: resubmitted already, replaced by a later reopening, or the
    request moved on."""


@dataclass
class CorrectionRefused(Exception):
    """Some corrected answers are not valid: messages by input name, as the wizard's."""

    errors: dict[str, str] = field(default_factory=dict)


def reopened_steps(
    service: RequestService,
    row: RequestRow,
    compiled: CompiledWorkflow,
    correction: AnswerCorrection,
) -> list[CompiledStep]:
    """The reopened steps the answers make visible, in the wizard's order."""
    extras = service.extras(row, compiled)
    wanted = set(correction.steps)
    return [s for s in compiled.wizard.visible_steps(row.answers, extras) if s.id in wanted]


def can_resubmit(
    service: RequestService, row: RequestRow, compiled: CompiledWorkflow, actor: Actor
) -> AnswerCorrection | None:
    """The open reopening whose resubmission this actor may fire now, if any."""
    correction = open_correction_of(service.db, row.id)
    if correction is None:
        return None
    available = service.available(row, compiled, actor)
    if not any(a.transition.id == correction.resubmit and a.enabled for a in available):
        return None
    return correction


def resubmit(
    service: RequestService,
    row: RequestRow,
    compiled: CompiledWorkflow,
    actor: Actor,
    inputs: Inputs,
    *,
    expected_version: int,
    locale: str,
) -> FireResult:
    """Validates the corrected steps, saves their answers (keeping those they replace, the
    first time) in a short transaction, then fires the resubmission, which closes the
    reopening. A resubmission refused after the save leaves the reopening open, the
    corrections kept: the applicant can send again. Commits."""
    correction = can_resubmit(service, row, compiled, actor)
    if correction is None:
        raise CorrectionClosed(row.public_id)
    if row.version != expected_version:
        raise Conflict(row.public_id)
    steps = reopened_steps(service, row, compiled, correction)
    answers = dict(row.answers)
    extras = service.extras(row, compiled)
    catalog = service.catalog(compiled)
    errors: dict[str, str] = {}
    touched: list[str] = []
    for step in steps:
        result = compiled.wizard.validate_step(
            step.id,
            given_inputs(step, inputs, dict(row.answers)),
            answers,
            catalog=catalog,
            today=service.runtime.today(),
            extras=extras,
            locale=locale,
        )
        errors.update(result.errors)
        for compiled_field in step.fields:
            if not compiled_field.spec.has_answer:
                continue
            touched.append(compiled_field.id)
            value = result.values.get(compiled_field.id)
            if value is None or compiled_field.id in result.hidden:
                answers.pop(compiled_field.id, None)
            else:
                answers[compiled_field.id] = value
    if errors:
        raise CorrectionRefused(errors)
    before = {k: row.answers.get(k) for k in touched if row.answers.get(k) is not None}
    with writing(service.db):
        service.db.refresh(row)
        service.db.refresh(correction)
        if row.version != expected_version or correction.closed_at is not None:
            raise Conflict(row.public_id)
        for field_id, reference in compiled.reference_fields().items():
            value = answers.get(field_id)
            if (
                field_id in touched
                and isinstance(value, dict)
                and isinstance(value.get("new"), dict)
            ):
                answers[field_id] = catalog.add_described_entry(reference, value["new"]).entry_id
        after = {k: answers.get(k) for k in touched if answers.get(k) is not None}
        row.answers = answers
        email = answers.get(compiled.spec.applicant.email)
        if isinstance(email, str):
            row.applicant_email = email.lower()
        fill_queue_columns(row, compiled)
        if correction.before is None:
            correction.before = before
        correction.after = after
        service.db.flush()
    saved_version = row.version

    def close(written: RequestRow) -> None:
        service.db.refresh(correction)
        if correction.closed_at is not None:
            raise Conflict(written.public_id)
        correction.closed_at = service.runtime.now()

    return service.fire(
        row, compiled, correction.resubmit, actor, expected_version=saved_version, on_write=close
    )
