"""Sending a mail again from the backoffice: a failed mail goes back into the outbox as it
is; a sent one is copied into a new outbox row (its own Message-ID), the original kept."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from ..compiled import RenderedMail
from ..store.models import OutboxMail, RequestRow
from .effects import queue_mail
from .transaction import writing


def requeue_failed(db: Session, mail: OutboxMail, note: str, now: datetime) -> None:
    """`note` says who put it back and what failed before (kept as the mail's last error)."""
    with writing(db):
        mail.status = "queued"
        mail.attempts = 0
        mail.next_attempt_at = now
        mail.lease_until = None
        mail.last_error = note[:2000]


def copy_sent(
    db: Session, mail: OutboxMail, workflow_id: str, mail_domain: str, now: datetime
) -> OutboxMail:
    request = db.get(RequestRow, mail.request_id) if mail.request_id else None
    with writing(db):
        copy = queue_mail(
            db,
            workflow_id=workflow_id,
            request=request,
            dedupe_key=f"resend:{mail.id}:{secrets.token_hex(8)}",
            template=mail.template,
            rendered=RenderedMail(mail.subject, mail.text, mail.html),
            to=list(mail.to or []),
            cc=list(mail.cc or []),
            attachments=list(mail.attachments or []),
            mail_domain=mail_domain,
            now=now,
            inlined=True,
        )
        db.flush()
    return copy
