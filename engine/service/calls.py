"""The outbound calls of a request, as operators see them, and putting a failed one back in
the queue (the request page's "Réessayer")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from ..store.models import OutboxCall
from .transaction import writing


def calls_of(db: Session, request_id: int, kind: str | None = None) -> list[OutboxCall]:
    """The request's calls in the order they were planned (of one kind when given)."""
    query = select(OutboxCall).where(OutboxCall.request_id == request_id)
    if kind is not None:
        query = query.where(OutboxCall.kind == kind)
    return list(db.execute(query.order_by(OutboxCall.id)).scalars())


def retry_call(db: Session, call_id: int, request_id: int, note: str, now: datetime) -> bool:
    """Puts a failed call of this request back in the queue, due now, its attempts counted
    anew; `note` (who, and the error before) is kept as its last error until the next attempt.
    False when it is not (or no longer) a failed call of this request: two operators pressing
    the button at once requeue it once."""
    return _requeue(db, note, now, OutboxCall.id == call_id, OutboxCall.request_id == request_id)


def retry_webhook(db: Session, workflow_id: str, call_id: int, note: str, now: datetime) -> bool:
    """The same for a webhook delivery of the workflow, from its delivery log."""
    return _requeue(
        db,
        note,
        now,
        OutboxCall.id == call_id,
        OutboxCall.workflow_id == workflow_id,
        OutboxCall.kind == "webhook",
    )


def _requeue(db: Session, note: str, now: datetime, *which: ColumnElement[bool]) -> bool:
    with writing(db):
        changed = db.execute(
            update(OutboxCall)
            .where(*which, OutboxCall.status == "failed")
            .values(
                status="queued",
                attempts=0,
                next_attempt_at=now,
                lease_until=None,
                finished_at=None,
                last_error=note[:2000],
            )
        ).rowcount
    return bool(changed)
