"""A firing's effects, in two stages: `prepare_effects` renders mails and documents and looks up
their recipients (reads only, outside the write transaction); `write_effects` writes them as
outbox rows (their Message-ID fixed now), documents, notifications and accounts, in the short
transaction of the state change. Nothing is sent here; the delivery worker reads the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import make_msgid
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actions.effects import (
    Addressee,
    CallOut,
    CreateAccount,
    Effect,
    GenerateDocument,
    Invite,
    Notify,
    Reopen,
    SendMail,
)
from ..compiled import CompiledWorkflow, RenderedMail
from ..process.firing import RequestSnapshot
from ..store.models import (
    Account,
    DocumentRow,
    Notification,
    OutboxCall,
    OutboxMail,
    RequestRow,
)
from ..store.reads import role_members
from .accounts import find_account
from .sessions import find_session

# Mail clients ignore <style> blocks more often than not: styles go into each element. Never
# fetch a stylesheet from the network while rendering.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    return _INLINER.inline(html) if html.strip() else html


NO_RECIPIENT = "no recipient: the mail names no address and no user holds its roles"


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
    inlined: bool = False,
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
        html=rendered.html if inlined else inline_css(rendered.html),
        attachments=list(attachments),
        status="queued" if to else "failed",
        last_error=None if to else NO_RECIPIENT,
    )
    db.add(row)
    return row


def ensure_account(db: Session, effect: CreateAccount) -> Account | None:
    if not effect.email:
        return None
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


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document rendered for this firing, or (`stored_id`) the request's stored copy."""

    document_id: str
    filename: str = ""
    content: bytes = b""
    stored_id: int | None = None
    content_type: str | None = None  # None: a PDF


@dataclass(frozen=True, slots=True)
class CalendarPlace:
    """What a calendar document reads besides the request's snapshot: the database (its
    training session, with the revision that is the event's SEQUENCE), the host that makes the
    event's UID unique to this installation, and the organisation's time zone."""

    db: Session
    host: str
    zone: ZoneInfo


class CalendarUnavailable(Exception):
    """A calendar document asked for a request that has no training session (any more)."""


@dataclass(frozen=True, slots=True)
class PreparedMail:
    key: str
    template: str
    rendered: RenderedMail  # CSS already inlined
    to: list[str]
    cc: list[str]
    attachments: tuple[str, ...]


@dataclass
class PreparedEffects:
    """A firing's effects, rendered and addressed, ready to be written in a short transaction:
    everything slow (templates, PDF, CSS inlining) and every lookup is done beforehand."""

    accounts: list[CreateAccount] = field(default_factory=list)
    documents: dict[str, PreparedDocument] = field(default_factory=dict)
    mails: list[PreparedMail] = field(default_factory=list)
    notifications: list[tuple[str, Notify]] = field(default_factory=list)
    calls: list[CallOut] = field(default_factory=list)
    # Invited drafts of other workflows (`invite`), written by the caller, which knows them.
    invitations: list[Any] = field(default_factory=list)
    # Steps sent back to the applicant (`reopen`), written by the caller with the firing's
    # comment and actor.
    reopenings: list[Reopen] = field(default_factory=list)


def render_document(
    compiled: CompiledWorkflow,
    document_id: str,
    snapshot: RequestSnapshot,
    context: Mapping[str, Any],
    now: datetime,
    *,
    request: RequestRow | None = None,
    calendar: CalendarPlace | None = None,
) -> PreparedDocument:
    # Imported when a document is first made, not with the services: fpdf2, fontTools and
    # Pillow take longer to import than the rest of the web application.
    from ..delivery.pdf import render_document as render_pdf

    document = compiled.documents[document_id]
    filename = " ".join(compiled.render_string(document.filename, context).split())
    if document.kind == "calendar":
        if request is None or calendar is None:
            raise CalendarUnavailable(f"document '{document_id}' is made for a request")
        return render_calendar_document(
            compiled, document_id, filename, snapshot, request, calendar, now
        )
    return PreparedDocument(
        document_id,
        filename=filename or f"{document_id}.pdf",
        content=render_pdf(compiled, document.layout, snapshot, created_at=now),
    )


def render_calendar_document(
    compiled: CompiledWorkflow,
    document_id: str,
    filename: str,
    snapshot: RequestSnapshot,
    request: RequestRow,
    place: CalendarPlace,
    now: datetime,
) -> PreparedDocument:
    """The .ics of the request's training session as it is now: UID
    `<request's public id>-<session code>@<host>`, SEQUENCE the session's revision."""
    # Imported with the first calendar made, not with the services (see render_document).
    from ..delivery.calendar import CONTENT_TYPE, CalendarEvent, render_calendar

    code = request.session_code
    session = find_session(place.db, compiled.spec.id, code) if code else None
    if session is None:
        raise CalendarUnavailable(f"request {request.public_id} has no training session")
    organisation = compiled.spec.organisation
    applicant = compiled.spec.applicant
    names = (applicant.first_name, applicant.last_name)
    attendee = " ".join(
        str(snapshot.answers.get(n) or "").strip() for n in names if n is not None
    ).strip()
    event = CalendarEvent(
        uid=f"{request.public_id}-{session.code}@{place.host}",
        sequence=session.revision or 0,
        summary=session.title,
        location=session.place,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        zone=place.zone,
        stamp=now,
        description=(
            f"{session.title} ({session.code})"
            + (f" — {snapshot.reference}" if snapshot.reference else "")
        ),
        organizer_email=organisation.get("email", ""),
        organizer_name=organisation.get("full_name") or organisation.get("name", ""),
        attendee_email=str(snapshot.answers.get(applicant.email) or ""),
        attendee_name=attendee,
    )
    return PreparedDocument(
        document_id,
        filename=filename or f"{document_id}.ics",
        content=render_calendar(event),
        content_type=CONTENT_TYPE,
    )


def latest_document(db: Session, request: RequestRow, document_id: str) -> DocumentRow | None:
    return db.execute(
        select(DocumentRow)
        .where(DocumentRow.request_id == request.id, DocumentRow.document_id == document_id)
        .order_by(DocumentRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def prepare_effects(
    db: Session,
    *,
    compiled: CompiledWorkflow,
    request: RequestRow,
    firing: str,
    effects: Iterable[Effect],
    snapshot: RequestSnapshot,
    mail_context: Mapping[str, Any],
    now: datetime,
    calendar: CalendarPlace | None = None,
    accepts_call: Callable[[CallOut], bool] = lambda call: True,
    invitation: Callable[[Invite], Any] | None = None,
) -> PreparedEffects:
    """Renders and addresses the effects; reads the database, never writes to it. `firing`
    identifies this firing of this request (its version before the change), so a replay of
    the same firing hits the unique keys instead of queueing mails twice. `accepts_call` says
    whether the application can make a planned call (its performer is configured): a call it
    refuses is left out, so a workflow runs as well without the system it would call.
    `invitation` prepares an `invite`'s draft of another workflow; its mail reads
    `invitation.url` (and `invitation.title`)."""
    effects = list(effects)
    prepared = PreparedEffects()
    context = dict(mail_context)
    for effect in effects:
        if isinstance(effect, CreateAccount) and effect.email:
            prepared.accounts.append(effect)
            context["account"] = {"login": effect.email, "email": effect.email}
        elif isinstance(effect, GenerateDocument) and effect.fresh:
            prepared.documents[effect.document] = render_document(
                compiled,
                effect.document,
                snapshot,
                context,
                now,
                request=request,
                calendar=calendar,
            )

    def attach(document_id: str) -> str:
        """Generated once in a firing; a mail of a later firing attaches the last one made
        (a reminder sends the very form the institution received). A calendar is made anew
        for each firing: it carries the session as it is now."""
        if document_id not in prepared.documents:
            fresh = compiled.documents[document_id].kind == "calendar"
            found = latest_document(db, request, document_id) if request.id and not fresh else None
            prepared.documents[document_id] = (
                PreparedDocument(document_id, stored_id=found.id)
                if found is not None
                else render_document(
                    compiled,
                    document_id,
                    snapshot,
                    context,
                    now,
                    request=request,
                    calendar=calendar,
                )
            )
        return document_id

    for effect in effects:
        key = f"{request.public_id}:{firing}:{effect.key}"
        if isinstance(effect, SendMail):
            rendered = compiled.render_mail(effect.template, context)
            prepared.mails.append(
                PreparedMail(
                    key=key,
                    template=effect.template,
                    rendered=replace(rendered, html=inline_css(rendered.html)),
                    to=resolve(db, effect.to),
                    cc=resolve(db, effect.cc),
                    attachments=tuple(attach(d) for d in effect.attachments),
                )
            )
        elif isinstance(effect, Invite) and invitation is not None:
            invited = invitation(effect)
            rendered = compiled.render_mail(
                effect.template, {**context, "invitation": invited.mail_context()}
            )
            prepared.invitations.append(invited)
            prepared.mails.append(
                PreparedMail(
                    key=key,
                    template=effect.template,
                    rendered=replace(rendered, html=inline_css(rendered.html)),
                    to=resolve(db, effect.to),
                    cc=[],
                    attachments=(),
                )
            )
        elif isinstance(effect, Notify):
            prepared.notifications.append((key, effect))
        elif isinstance(effect, CallOut) and accepts_call(effect):
            prepared.calls.append(effect)
        elif isinstance(effect, Reopen):
            prepared.reopenings.append(effect)
    return prepared


def write_effects(
    db: Session,
    prepared: PreparedEffects,
    *,
    compiled: CompiledWorkflow,
    request: RequestRow,
    mail_domain: str,
    now: datetime,
) -> dict[str, int]:
    """Writes prepared effects in the caller's (short) transaction; returns how many rows of
    each kind were written."""
    counts = {"mails": 0, "notifications": 0, "accounts": 0, "documents": 0, "calls": 0}
    for effect in prepared.accounts:
        account = ensure_account(db, effect)
        if account is not None:
            request.account_id = account.id
            counts["accounts"] += 1
    stored: dict[str, int] = {}
    for document_id, document in prepared.documents.items():
        if document.stored_id is not None:
            stored[document_id] = document.stored_id
            continue
        row = DocumentRow(
            request_id=request.id,
            document_id=document_id,
            filename=document.filename,
            content=document.content,
            content_type=document.content_type,
            created_at=now,
        )
        db.add(row)
        db.flush()
        stored[document_id] = row.id
        counts["documents"] += 1
    for mail in prepared.mails:
        queue_mail(
            db,
            workflow_id=compiled.spec.id,
            request=request,
            dedupe_key=mail.key,
            template=mail.template,
            rendered=mail.rendered,
            to=mail.to,
            cc=mail.cc,
            attachments=[stored[d] for d in mail.attachments],
            mail_domain=mail_domain,
            now=now,
            inlined=True,
        )
        counts["mails"] += 1
    for key, notify in prepared.notifications:
        db.add(
            Notification(
                request_id=request.id,
                dedupe_key=key,
                role=notify.role,
                message=notify.message,
                created_at=now,
            )
        )
        counts["notifications"] += 1
    for call in prepared.calls:
        queue_call(db, workflow_id=compiled.spec.id, request=request, call=call, now=now)
        counts["calls"] += 1
    return counts


def queue_call(
    db: Session, *, workflow_id: str, request: RequestRow | None, call: CallOut, now: datetime
) -> OutboxCall:
    """One outbound call, written in the caller's transaction: made by the call worker once
    that transaction commits, never if it rolls back."""
    row = OutboxCall(
        workflow_id=workflow_id,
        request_id=request.id if request is not None else None,
        kind=call.kind,
        operation=call.operation,
        target=call.target,
        payload=dict(call.payload),
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.add(row)
    return row
