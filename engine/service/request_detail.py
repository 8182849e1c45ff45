"""One request as the backoffice's request page reads it, besides its answers: the request
found by reference (or a draft by public id), locked for firing, its history, mails and
documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..delivery.glyphs import unprintable
from ..store.models import DocumentRow, HistoryRow, OutboxMail, RequestRow


def find_request(db: Session, workflow_id: str, key: str) -> RequestRow | None:
    """A request by its reference, or a draft (which has none yet) by its public id."""
    if not key or len(key) > 80:
        return None
    row = db.execute(
        select(RequestRow).where(RequestRow.reference == key, RequestRow.workflow_id == workflow_id)
    ).scalar_one_or_none()
    if row is None and len(key) == 36:
        row = db.execute(
            select(RequestRow).where(
                RequestRow.public_id == key,
                RequestRow.workflow_id == workflow_id,
                RequestRow.reference.is_(None),
            )
        ).scalar_one_or_none()
    return row


def history_of(db: Session, request_id: int) -> list[HistoryRow]:
    return list(
        db.execute(
            select(HistoryRow).where(HistoryRow.request_id == request_id).order_by(HistoryRow.id)
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class MailLine:
    id: int
    template: str
    subject: str
    to: list[str]
    cc: list[str]
    status: str  # queued, sent, failed, redirected
    redirected_to: list[str] | None
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


def mails_of(db: Session, request_id: int) -> list[MailLine]:
    rows = db.execute(
        select(
            OutboxMail.id,
            OutboxMail.template,
            OutboxMail.subject,
            OutboxMail.to,
            OutboxMail.cc,
            OutboxMail.status,
            OutboxMail.redirected_to,
            OutboxMail.created_at,
            OutboxMail.sent_at,
            OutboxMail.last_error,
        )
        .where(OutboxMail.request_id == request_id)
        .order_by(OutboxMail.id)
    )
    lines = []
    for r in rows:
        status = "redirected" if r.status == "sent" and r.redirected_to else r.status
        lines.append(
            MailLine(
                r.id,
                r.template,
                r.subject,
                list(r.to or []),
                list(r.cc or []),
                status,
                list(r.redirected_to) if r.redirected_to else None,
                r.created_at,
                r.sent_at,
                r.last_error,
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class DocumentLine:
    id: int
    document_id: str
    filename: str
    created_at: datetime
    size: int


def documents_of(db: Session, request_id: int) -> list[DocumentLine]:
    """The request's documents, without their bytes."""
    rows = db.execute(
        select(
            DocumentRow.id,
            DocumentRow.document_id,
            DocumentRow.filename,
            DocumentRow.created_at,
            func.length(DocumentRow.content),
        )
        .where(DocumentRow.request_id == request_id)
        .order_by(DocumentRow.id)
    )
    return [DocumentLine(r[0], r[1], r[2], r[3], int(r[4] or 0)) for r in rows]


def document_of(db: Session, request_id: int, document_row_id: int) -> DocumentRow | None:
    return db.execute(
        select(DocumentRow).where(
            DocumentRow.id == document_row_id, DocumentRow.request_id == request_id
        )
    ).scalar_one_or_none()


def unprintable_answers(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """The text answers holding characters the PDFs cannot print, by field id, with those
    characters: the operator is told, rather than finding them missing from a document."""
    found: dict[str, list[str]] = {}
    for field_id, value in answers.items():
        texts = [value] if isinstance(value, str) else []
        if isinstance(value, dict) and isinstance(value.get("new"), dict):
            texts = [v for v in value["new"].values() if isinstance(v, str)]
        missing = [char for text in texts for char in unprintable(text)]
        if missing:
            found[field_id] = list(dict.fromkeys(missing))
    return found
