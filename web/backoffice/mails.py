"""Backoffice: the mails of a workflow's outbox — the list (filtered by status), one mail in
full (its HTML shown in a sandboxed frame), its attachments, and sending it again.

Sending again: a failed mail goes back to the queue as it is (same row, same Message-ID: it
never left); a sent mail is queued again as a new row with a new Message-ID (the first one
was delivered, and the outbox keeps what was sent)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import String, and_, cast, func, or_, select

from engine.service.resend import copy_sent, requeue_failed
from engine.store.models import DocumentRow, OutboxMail, RequestRow
from engine.translations import N_

from ..deps import Form
from ..params import Choice, Page, RowId
from .access import Desk, ManageDesk, ProcessDesk
from .export import download_headers, local_time

router = APIRouter(prefix="/backoffice/{workflow_id}")

PAGE_SIZE = 50

# Filter word in the address → (label, condition on the outbox).
_NOT_REDIRECTED = or_(
    OutboxMail.redirected_to.is_(None), cast(OutboxMail.redirected_to, String) == "null"
)
FILTERS: dict[str, tuple[str, Any]] = {
    "en-file": (N_("Waiting to be sent"), OutboxMail.status == "queued"),
    "envoye": (N_("Sent"), and_(OutboxMail.status == "sent", _NOT_REDIRECTED)),
    "redirige": (
        N_("Redirected by the test mode"),
        and_(OutboxMail.status == "sent", ~_NOT_REDIRECTED),
    ),
    "echec": (N_("Failed"), OutboxMail.status == "failed"),
}


def status_of(mail: OutboxMail) -> tuple[str, str]:
    """(filter word, label message) of a mail's status as operators read it."""
    if mail.status == "sent":
        if mail.redirected_to:
            return "redirige", N_("Redirected (test mode)")
        return "envoye", N_("Sent (one mail)")
    if mail.status == "failed":
        return "echec", N_("Failure")
    return "en-file", N_("Waiting to be sent")


def find_mail(desk: Desk, mail_id: int) -> OutboxMail:
    mail = desk.db.execute(
        select(OutboxMail).where(
            OutboxMail.id == mail_id, OutboxMail.workflow_id == desk.compiled.spec.id
        )
    ).scalar_one_or_none()
    if mail is None:
        raise HTTPException(status_code=404)
    return mail


def _view(desk: Desk, mail: OutboxMail, reference: str | None) -> dict[str, Any]:
    zone = desk.runtime.zone
    word, label = status_of(mail)
    return {
        "id": mail.id,
        "href": f"{desk.base}/courriels/{mail.id}",
        "status": word,
        "status_label": desk.gettext(label),
        "template": mail.template,
        "subject": mail.subject,
        "to": mail.to or [],
        "cc": mail.cc or [],
        "redirected_to": mail.redirected_to or [],
        "created": local_time(mail.created_at, zone),
        "sent": local_time(mail.sent_at, zone),
        "next_attempt": local_time(mail.next_attempt_at, zone),
        "attempts": mail.attempts,
        "last_error": mail.last_error or "",
        "message_id": mail.message_id,
        "reference": reference,
        "request_href": f"{desk.base}/demandes/{reference}" if reference else "",
    }


def _references(desk: Desk, request_ids: set[int]) -> dict[int, str | None]:
    if not request_ids:
        return {}
    rows = desk.db.execute(
        select(RequestRow.id, RequestRow.reference).where(RequestRow.id.in_(request_ids))
    )
    return {row_id: reference for row_id, reference in rows.all()}


@router.get("/courriels", response_class=HTMLResponse)
def mail_list(desk: ProcessDesk, statut: Choice = "", page: Page = 1) -> HTMLResponse:
    chosen = statut if statut in FILTERS else ""
    condition = OutboxMail.workflow_id == desk.compiled.spec.id
    if chosen:
        condition = and_(condition, FILTERS[chosen][1])
    total = desk.db.execute(select(func.count(OutboxMail.id)).where(condition)).scalar_one()
    rows = list(
        desk.db.execute(
            select(OutboxMail)
            .where(condition)
            .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).scalars()
    )
    references = _references(desk, {m.request_id for m in rows if m.request_id is not None})
    pages = max(1, -(-total // PAGE_SIZE))

    def link(number: int) -> str:
        query = f"?page={number}" + (f"&statut={chosen}" if chosen else "")
        return f"{desk.base}/courriels{query}"

    return desk.page(
        "backoffice/mails.html",
        title=desk.gettext("Mails"),
        mails=[_view(desk, m, references.get(m.request_id or 0)) for m in rows],
        filters=[
            {
                "word": word,
                "label": desk.gettext(label),
                "href": f"{desk.base}/courriels?statut={word}",
                "current": word == chosen,
            }
            for word, (label, _) in FILTERS.items()
        ],
        all_href=f"{desk.base}/courriels",
        chosen=chosen,
        total=total,
        page_number=page,
        pages=pages,
        previous=link(page - 1) if page > 1 else "",
        following=link(page + 1) if page < pages else "",
    )


NOTICES = {
    "file": N_("The mail is back in the sending queue; it will leave at the next round."),
    "nouveau": N_("A new sending of this mail was put in the sending queue (below)."),
}


def _mail_response(
    desk: Desk, mail: OutboxMail, *, notice: str = "", error: str = "", status: int = 200
) -> HTMLResponse:
    reference = None
    if mail.request_id is not None:
        reference = _references(desk, {mail.request_id}).get(mail.request_id)
    documents = (
        desk.db.execute(
            select(DocumentRow.id, DocumentRow.filename, func.length(DocumentRow.content))
            .where(DocumentRow.id.in_(list(mail.attachments or [])))
            .order_by(DocumentRow.id)
        ).all()
        if mail.attachments
        else []
    )
    return desk.page(
        "backoffice/mail.html",
        status=status,
        title=desk.gettext("Mail: {subject}", subject=mail.subject),
        mail=_view(desk, mail, reference),
        text=mail.text,
        html=mail.html,
        attachments=[
            {
                "href": f"{desk.base}/courriels/{mail.id}/pieces/{doc_id}",
                "filename": filename,
                "size": f"{max(1, round((size or 0) / 1024))} Ko",
            }
            for doc_id, filename, size in documents
        ],
        may_resend=desk.may("manage") and mail.status in ("failed", "sent"),
        notice=notice,
        error=error,
    )


@router.get("/courriels/{mail_id}", response_class=HTMLResponse)
def mail_page(desk: ProcessDesk, mail_id: RowId, renvoi: Choice = "") -> HTMLResponse:
    mail = find_mail(desk, mail_id)
    return _mail_response(
        desk, mail, notice=desk.gettext(NOTICES[renvoi]) if renvoi in NOTICES else ""
    )


# The mail's HTML on its own address, for the preview frame: it needs its inline styles (mail
# clients only read those), which the app's policy forbids. Nothing else is allowed: no script,
# no request to anywhere, and only this site may frame it.
PREVIEW_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
}


@router.get("/courriels/{mail_id}/apercu", response_class=HTMLResponse)
def preview(desk: ProcessDesk, mail_id: RowId) -> HTMLResponse:
    mail = find_mail(desk, mail_id)
    return HTMLResponse(mail.html, headers=PREVIEW_HEADERS)


@router.get("/courriels/{mail_id}/pieces/{document_id}", response_model=None)
def attachment(desk: ProcessDesk, mail_id: RowId, document_id: RowId) -> Response:
    mail = find_mail(desk, mail_id)
    if document_id not in (mail.attachments or []):
        raise HTTPException(status_code=404)
    document = desk.db.get(DocumentRow, document_id)
    if document is None:
        raise HTTPException(status_code=404)
    return Response(
        document.content,
        media_type=document.content_type or "application/pdf",
        headers=download_headers(document.filename),
    )


@router.post("/courriels/{mail_id}/renvoyer", response_model=None)
def resend(desk: ManageDesk, mail_id: RowId, form: Form) -> Response:
    mail = find_mail(desk, mail_id)
    if not desk.csrf_ok(form):
        error = desk.gettext("The form expired: reload the page and try again.")
        return _mail_response(desk, mail, error=error, status=400)
    now = desk.runtime.now()
    who = desk.staff.account.email
    if mail.status == "failed":
        previous = mail.last_error or desk.gettext("unknown")
        note = desk.gettext(
            "Put back in the queue by {who} on {when}; previous error: {error}",
            who=who,
            when=local_time(now, desk.runtime.zone),
            error=previous,
        )
        requeue_failed(desk.db, mail, note, now)
        target = f"{desk.base}/courriels/{mail.id}?renvoi=file"
    elif mail.status == "sent":
        copy = copy_sent(
            desk.db, mail, desk.compiled.spec.id, desk.runtime.settings.mail_domain, now
        )
        target = f"{desk.base}/courriels/{copy.id}?renvoi=nouveau"
    else:
        target = f"{desk.base}/courriels/{mail.id}"
    return RedirectResponse(target, status_code=303)
