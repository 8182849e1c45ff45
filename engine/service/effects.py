"""Writing a firing's effects into the database, in the caller's transaction: mails as outbox
rows rendered now (with their Message-ID fixed now), notifications, accounts. Nothing is sent
here; the delivery worker reads the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import make_msgid
from typing import Any

import css_inline
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actions.effects import (
    Addressee,
    CreateAccount,
    Effect,
    GenerateDocument,
    Notify,
    SendMail,
)
from ..compiled import CompiledWorkflow, RenderedMail
from ..process.firing import RequestSnapshot
from ..store.models import Account, DocumentRow, Notification, OutboxMail, RequestRow

# Mail clients ignore <style> blocks more often than not: styles go into each element. Never
# fetch a stylesheet from the network while rendering.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    return _INLINER.inline(html) if html.strip() else html

NO_RECIPIENT = "no recipient: the mail names no address and no user holds its roles"


def role_members(db: Session, role: str) -> list[str]:
    """Addresses of the active users holding a role (backoffice users are few: filtering in
    Python keeps this identical on every database)."""
    accounts = db.execute(select(Account).where(Account.active.is_(True))).scalars()
    return sorted(a.email for a in accounts if role in (a.roles or []))


def resolve(db: Session, addressees: Iterable[Addressee]) -> list[str]:
    found: list[str] = []
    for addressee in addressees:
        emails = [addressee.email] if addressee.email else role_members(db, addressee.role or "")
        for email in emails:
            if email and email.lower() not in {f.lower() for f in found}:
                found.append(email)
    return found


def queue_mail(
    db: Session,
    *,
    workflow_id: str,
    request: RequestRow | None,
    dedupe_key: str,
    template: str,
    rendered: RenderedMail,
    to: list[str],
    cc: list[str],
    attachments: Iterable[int],
    mail_domain: str,
    now: datetime,
) -> OutboxMail:
    row = OutboxMail(
        created_at=now,
        next_attempt_at=now,
        workflow_id=workflow_id,
        request_id=request.id if request is not None else None,
        dedupe_key=dedupe_key,
        message_id=make_msgid(domain=mail_domain),
        template=template,
        to=to,
        cc=[c for c in cc if c.lower() not in {t.lower() for t in to}],
        subject=rendered.subject,
        text=rendered.text,
        html=inline_css(rendered.html),
        attachments=list(attachments),
        status="queued" if to else "failed",
        last_error=None if to else NO_RECIPIENT,
    )
    db.add(row)
    return row


def ensure_account(db: Session, effect: CreateAccount) -> Account | None:
    if not effect.email:
        return None
    from .accounts import find_account

    account = find_account(db, effect.email)
    if account is None:
        account = Account(
            email=effect.email,
            first_name=effect.first_name or "",
            last_name=effect.last_name or "",
            roles=[],
            profile={},
        )
        db.add(account)
        db.flush()
    return account


def generate_document(
    db: Session,
    compiled: CompiledWorkflow,
    request: RequestRow,
    document_id: str,
    snapshot: RequestSnapshot,
    context: Mapping[str, Any],
    now: datetime,
) -> DocumentRow:
    from ..delivery.pdf import render_document

    document = compiled.documents[document_id]
    filename = " ".join(compiled.render_string(document.filename, context).split())
    row = DocumentRow(
        request_id=request.id,
        document_id=document_id,
        filename=filename or f"{document_id}.pdf",
        content=render_document(compiled, document.layout, snapshot, created_at=now),
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def latest_document(db: Session, request: RequestRow, document_id: str) -> DocumentRow | None:
    return db.execute(
        select(DocumentRow)
        .where(DocumentRow.request_id == request.id, DocumentRow.document_id == document_id)
        .order_by(DocumentRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def apply_effects(
    db: Session,
    *,
    compiled: CompiledWorkflow,
    request: RequestRow,
    firing: str,
    effects: Iterable[Effect],
    snapshot: RequestSnapshot,
    mail_context: Mapping[str, Any],
    mail_domain: str,
    now: datetime,
) -> dict[str, int]:
    """`firing` identifies this firing of this request (its version before the change), so a
    replay of the same firing hits the unique keys instead of queueing mails twice. Returns
    how many rows of each kind were written."""
    effects = list(effects)
    counts = {"mails": 0, "notifications": 0, "accounts": 0, "documents": 0}
    context = dict(mail_context)
    documents: dict[str, int] = {}

    def document(document_id: str) -> int:
        """Generated once in a firing; a mail of a later firing attaches the last one made
        (a reminder sends the very form the institution received)."""
        if document_id not in documents:
            found = latest_document(db, request, document_id)
            if found is None:
                found = generate_document(
                    db, compiled, request, document_id, snapshot, context, now
                )
                counts["documents"] += 1
            documents[document_id] = found.id
        return documents[document_id]

    for effect in effects:
        if isinstance(effect, CreateAccount):
            account = ensure_account(db, effect)
            if account is not None:
                request.account_id = account.id
                context["account"] = {"login": account.email, "email": account.email}
                counts["accounts"] += 1
        elif isinstance(effect, GenerateDocument) and effect.fresh:
            made = generate_document(
                db, compiled, request, effect.document, snapshot, context, now
            )
            documents[effect.document] = made.id
            counts["documents"] += 1
    for effect in effects:
        key = f"{request.public_id}:{firing}:{effect.key}"
        if isinstance(effect, SendMail):
            queue_mail(
                db,
                workflow_id=compiled.spec.id,
                request=request,
                dedupe_key=key,
                template=effect.template,
                rendered=compiled.render_mail(effect.template, context),
                to=resolve(db, effect.to),
                cc=resolve(db, effect.cc),
                attachments=[document(d) for d in effect.attachments],
                mail_domain=mail_domain,
                now=now,
            )
            counts["mails"] += 1
        elif isinstance(effect, Notify):
            db.add(
                Notification(
                    request_id=request.id,
                    dedupe_key=key,
                    role=effect.role,
                    message=effect.message,
                    created_at=now,
                )
            )
            counts["notifications"] += 1
    return counts
