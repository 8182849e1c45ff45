"""The applicant's answer to each purpose the workflow declares (`consents:`), recorded at
submission with the wording's version and the time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.fields import ConsentField
from ..store.models import ConsentRecord, RequestRow


def record_consents(
    db: Session, compiled: CompiledWorkflow, row: RequestRow, now: datetime
) -> None:
    """In the caller's write transaction (the submission's)."""
    for purpose in compiled.spec.consents:
        value = row.answers.get(purpose.field)
        field = compiled.fields.get(purpose.field)
        # A consent field's answer is the version of the document accepted.
        version = (
            value
            if isinstance(field, ConsentField) and isinstance(value, str) and value
            else purpose.version
        )
        db.add(
            ConsentRecord(
                request_id=row.id,
                workflow_id=compiled.spec.id,
                purpose=purpose.id,
                granted=bool(value),
                version=version,
                at=now,
            )
        )
