"""Writing a firing's effects into the database, in the caller's transaction: mails as outbox
rows rendered now (with their Message-ID fixed now), notifications, accounts. Nothing is sent
here; the delivery worker reads the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actions.effects import (
    Addressee,
    CreateAccount,
    Effect,
    Notify,
    SendMail,
)
from ..compiled import CompiledWorkflow, RenderedMail
from ..store.models import Account, Notification, OutboxMail, RequestRow

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
    request: RequestRow | None,
    dedupe_key: str,
    template: str,
    rendered: RenderedMail,
    to: list[str],
    cc: list[str],
    attachments: Iterable[str],
    mail_domain: str,
) -> OutboxMail:
    row = OutboxMail(
        request_id=request.id if request is not None else None,
        dedupe_key=dedupe_key,
        message_id=make_msgid(domain=mail_domain),
        template=template,
        to=to,
        cc=[c for c in cc if c.lower() not in {t.lower() for t in to}],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
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


def apply_effects(
    db: Session,
    *,
    compiled: CompiledWorkflow,
    request: RequestRow,
    firing: str,
    effects: Iterable[Effect],
    mail_context: Mapping[str, Any],
    mail_domain: str,
) -> dict[str, int]:
    """`firing` identifies this firing of this request (its version before the change), so a
    replay of the same firing hits the unique keys instead of queueing mails twice. Returns
    how many rows of each kind were written."""
    effects = list(effects)
    counts = {"mails": 0, "notifications": 0, "accounts": 0}
    context = dict(mail_context)
    for effect in effects:
        if isinstance(effect, CreateAccount):
            account = ensure_account(db, effect)
            if account is not None:
                request.account_id = account.id
                context["account"] = {"login": account.email, "email": account.email}
                counts["accounts"] += 1
    for effect in effects:
        key = f"{request.public_id}:{firing}:{effect.key}"
        if isinstance(effect, SendMail):
            queue_mail(
                db,
                request=request,
                dedupe_key=key,
                template=effect.template,
                rendered=compiled.render_mail(effect.template, context),
                to=resolve(db, effect.to),
                cc=resolve(db, effect.cc),
                attachments=effect.attachments,
                mail_domain=mail_domain,
            )
            counts["mails"] += 1
        elif isinstance(effect, Notify):
            db.add(
                Notification(
                    request_id=request.id, dedupe_key=key, role=effect.role, message=effect.message
                )
            )
            counts["notifications"] += 1
    return counts
