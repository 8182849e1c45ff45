"""The delivery log of a workflow's webhooks: every event, newest first, with where its
delivery stands (queued, delivered, failed), its attempts, the receiver's last answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.models import OutboxCall

STATUSES = ("queued", "done", "failed")


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook: str
    created_at: datetime
    request_id: int | None
    reference: str | None
    transition: str
    source: str
    target: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    finished_at: datetime | None
    last_error: str | None
    http_status: int | None


def _delivery(row: OutboxCall) -> Delivery:
    payload: dict[str, Any] = dict(row.payload or {})
    result: dict[str, Any] = dict(row.result or {})
    status = result.get("status")
    return Delivery(
        id=row.id,
        webhook=row.target,
        created_at=row.created_at,
        request_id=row.request_id,
        reference=payload.get("reference"),
        transition=str(payload.get("transition", "")),
        source=str(payload.get("from", "")),
        target=str(payload.get("to", "")),
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == "queued" else None,
        finished_at=row.finished_at,
        last_error=row.last_error,
        http_status=status if isinstance(status, int) else None,
    )


def deliveries(
    db: Session,
    workflow_id: str,
    *,
    status: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> tuple[list[Delivery], bool]:
    """A page of the log, newest first, older than the event `before` when given; and
    whether older events remain."""
    query = select(OutboxCall).where(
        OutboxCall.workflow_id == workflow_id, OutboxCall.kind == "webhook"
    )
    if status is not None:
        query = query.where(OutboxCall.status == status)
    if before is not None:
        query = query.where(OutboxCall.id < before)
    rows = list(db.execute(query.order_by(OutboxCall.id.desc()).limit(limit + 1)).scalars())
    return [_delivery(row) for row in rows[:limit]], len(rows) > limit


def delivery_counts(db: Session, workflow_id: str) -> dict[str, int]:
    """How many events are queued, delivered, failed: the log's tabs."""
    rows = db.execute(
        select(OutboxCall.status, func.count())
        .where(OutboxCall.workflow_id == workflow_id, OutboxCall.kind == "webhook")
        .group_by(OutboxCall.status)
    )
    found = {status: count for status, count in rows.all()}
    return {status: found.get(status, 0) for status in STATUSES}


def delivery(db: Session, workflow_id: str, call_id: int) -> Delivery | None:
    row = db.get(OutboxCall, call_id)
    if row is None or row.workflow_id != workflow_id or row.kind != "webhook":
        return None
    return _delivery(row)
