"""A person's data held with a request: everything exported as a ZIP (the right of access), and
erased (retention, or the right to erasure). Erasing anonymises: the request stays with its
reference, workflow, state, training session and dates, so counts and statistics are
unchanged, and everything that could tell who the person was goes: answers, name, email,
account link, comments, the text and addresses of its mails, its documents, what its outbound
calls carried. A history line says who or what erased it, when and why."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..store.models import (
    Account,
    AttendanceMark,
    ConsentRecord,
    DocumentRow,
    FollowLink,
    HistoryRow,
    Notification,
    OutboxCall,
    OutboxMail,
    RequestRow,
)
from ..wizard.display import display_answers
from .context import Runtime
from .requests import RequestService
from .transaction import writing

ERASED = "anonymise"  # the history's `transition` of an erasure (no state changes)
EXPORTED = "export_personal_data"
# People whose own actions the history names (an operator's name is not the applicant's data).
APPLICANT_ACTORS = ("applicant", "link")


@dataclass(frozen=True, slots=True)
class Eraser:
    """Who or what erases, for the history: a user (erasure on request) or a retention rule."""

    kind: str  # "user" or "retention"
    name: str
    role: str | None = None


class AlreadyErased(Exception):
    pass


def anonymise(db: Session, row: RequestRow, *, reason: str, by: Eraser, now: datetime) -> None:
    """Erases the request's personal data in one write transaction (the caller's reads are
    done). Refuses a request already erased."""
    with writing(db):
        db.refresh(row)
        if row.anonymised_at is not None:
            raise AlreadyErased(row.reference or row.public_id)
        email, account_id = row.applicant_email, row.account_id
        row.answers = {}
        row.applicant_email = None
        row.applicant_name = None
        row.search_text = None
        row.facets = None
        row.draft_secret_hash = None
        row.account_id = None
        row.anonymised_at = now
        row.updated_at = now
        db.execute(update(HistoryRow).where(HistoryRow.request_id == row.id).values(comment=None))
        db.execute(
            update(HistoryRow)
            .where(HistoryRow.request_id == row.id, HistoryRow.actor_kind.in_(APPLICANT_ACTORS))
            .values(actor_name="")
        )
        # Mails keep their template, status and dates (what was sent when), not their words.
        db.execute(
            update(OutboxMail)
            .where(OutboxMail.request_id == row.id)
            .values(
                to=[],
                cc=[],
                subject="",
                text="",
                html="",
                attachments=[],
                redirected_to=None,
                last_error=None,
            )
        )
        db.execute(delete(DocumentRow).where(DocumentRow.request_id == row.id))
        db.execute(
            update(OutboxCall)
            .where(OutboxCall.request_id == row.id)
            .values(payload={}, result=None, last_error=None)
        )
        db.execute(update(Notification).where(Notification.request_id == row.id).values(message=""))
        db.add(_history_line(row, ERASED, by, reason, now))
        if email:
            _forget_person(db, row.workflow_id, email, account_id)


def _forget_person(db: Session, workflow_id: str, email: str, account_id: int | None) -> None:
    """The person's follow links go; so does their applicant account (never a staff account)
    once no request of theirs still holds personal data."""
    same_person = [RequestRow.applicant_email == email]
    if account_id is not None:
        same_person.append(RequestRow.account_id == account_id)
    others = db.execute(
        select(func.count(RequestRow.id)).where(
            RequestRow.anonymised_at.is_(None), or_(*same_person)
        )
    ).scalar_one()
    if others:
        return
    db.execute(
        delete(FollowLink).where(FollowLink.workflow_id == workflow_id, FollowLink.email == email)
    )
    account = db.get(Account, account_id) if account_id is not None else None
    if account is None or account.roles:
        return
    account.email = f"erased-{account.id}@invalid"
    account.first_name = ""
    account.last_name = ""
    account.profile = {}
    account.password_hash = None
    account.active = False
    account.login_version = (account.login_version or 0) + 1  # ends any login in progress


def export(
    db: Session, row: RequestRow, *, display: dict[str, Any], by: Eraser, now: datetime
) -> bytes:
    """Everything held about the request's applicant, as a ZIP: `request.json` (answers as given
    and as shown, the history, the mails with their text, the outbound calls) and the documents
    as they were sent. The export is written in the history."""
    history = db.execute(
        select(HistoryRow).where(HistoryRow.request_id == row.id).order_by(HistoryRow.id)
    ).scalars()
    mails = db.execute(
        select(OutboxMail).where(OutboxMail.request_id == row.id).order_by(OutboxMail.id)
    ).scalars()
    calls = db.execute(
        select(OutboxCall).where(OutboxCall.request_id == row.id).order_by(OutboxCall.id)
    ).scalars()
    marks = db.execute(
        select(AttendanceMark)
        .where(AttendanceMark.request_id == row.id)
        .order_by(AttendanceMark.half_day)
    ).scalars()
    consents = db.execute(
        select(ConsentRecord).where(ConsentRecord.request_id == row.id).order_by(ConsentRecord.id)
    ).scalars()
    documents = list(
        db.execute(
            select(DocumentRow).where(DocumentRow.request_id == row.id).order_by(DocumentRow.id)
        ).scalars()
    )
    held = {
        "reference": row.reference,
        "workflow": row.workflow_id,
        "state": row.state,
        "training_session": row.session_code,
        "created_at": _when(row.created_at),
        "submitted_at": _when(row.submitted_at),
        "updated_at": _when(row.updated_at),
        "email": row.applicant_email,
        "answers": row.answers,
        "answers_as_shown": display,
        "history": [
            {
                "at": _when(h.at),
                "transition": h.transition,
                "from": h.from_state,
                "to": h.to_state,
                "by": h.actor_kind,
                "name": h.actor_name,
                "comment": h.comment,
            }
            for h in history
        ],
        "mails": [
            {
                "created_at": _when(m.created_at),
                "sent_at": _when(m.sent_at),
                "status": m.status,
                "to": m.to,
                "cc": m.cc,
                "subject": m.subject,
                "text": m.text,
            }
            for m in mails
        ],
        "outbound_calls": [
            {
                "created_at": _when(c.created_at),
                "kind": c.kind,
                "operation": c.operation,
                "status": c.status,
                "sent": c.payload,
                "result": c.result,
            }
            for c in calls
        ],
        "attendance": [{"half_day": m.half_day, "present": m.present} for m in marks],
        "consents": [
            {"purpose": c.purpose, "granted": c.granted, "version": c.version, "at": _when(c.at)}
            for c in consents
        ],
        "documents": [f"documents/{d.id}-{d.filename}" for d in documents],
        "exported_at": _when(now),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "request.json", json.dumps(held, ensure_ascii=False, indent=2, default=str)
        )
        for document in documents:
            archive.writestr(f"documents/{document.id}-{document.filename}", document.content)
    with writing(db):
        db.add(_history_line(row, EXPORTED, by, None, now))
    return buffer.getvalue()


def _history_line(
    row: RequestRow, act: str, by: Eraser, comment: str | None, now: datetime
) -> HistoryRow:
    """An act on the person's data in the request's history: no state changes."""
    return HistoryRow(
        request_id=row.id,
        transition=act,
        from_state=row.state,
        to_state=row.state,
        actor_kind=by.kind,
        actor_name=by.name,
        role=by.role,
        comment=comment,
        at=now,
    )


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_request(db: Session, runtime: Runtime, row: RequestRow, by: Eraser) -> bytes:
    """The export of `export`, with the answers also as the backoffice shows them."""
    service = RequestService(db, runtime)
    compiled = service.compiled_for(row)
    display = display_answers(
        compiled.fields,
        row.answers,
        row.locale,
        compiled.spec.locale,
        service.entries(compiled, row.answers),
    )
    return export(db, row, display=dict(display), by=by, now=runtime.now())


# -- a person: every request of theirs in a workflow ---------------------------------------------


def same_person(db: Session, row: RequestRow) -> list[RequestRow]:
    """The requests of the request's applicant in its workflow, oldest first, itself included:
    the same address or the same applicant account. Erased requests hold neither, so they are
    not found again (nor need to be)."""
    alike = []
    if row.applicant_email:
        alike.append(RequestRow.applicant_email == row.applicant_email)
    if row.account_id is not None:
        alike.append(RequestRow.account_id == row.account_id)
    if not alike:
        return [row]
    found = db.execute(
        select(RequestRow)
        .where(
            RequestRow.workflow_id == row.workflow_id,
            RequestRow.anonymised_at.is_(None),
            or_(*alike),
        )
        .order_by(RequestRow.created_at, RequestRow.id)
    ).scalars()
    rows = list(found)
    return rows if any(r.id == row.id for r in rows) else [row, *rows]


def export_person(db: Session, runtime: Runtime, rows: list[RequestRow], by: Eraser) -> bytes:
    """One ZIP for the person: each request's export in a folder named by its reference, and
    `person.json` listing them. Each export is written in its request's history."""
    buffer = io.BytesIO()
    listed = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in rows:
            folder = row.reference or row.public_id
            listed.append({"reference": folder, "folder": f"{folder}/"})
            inner = zipfile.ZipFile(io.BytesIO(export_request(db, runtime, row, by)))
            for name in inner.namelist():
                archive.writestr(f"{folder}/{name}", inner.read(name))
        archive.writestr(
            "person.json",
            json.dumps(
                {"requests": listed, "exported_at": _when(runtime.now())},
                ensure_ascii=False,
                indent=2,
            ),
        )
    return buffer.getvalue()


def erase_person(
    db: Session, rows: list[RequestRow], *, reason: str, by: Eraser, now: datetime
) -> int:
    """Erases every request of the person, each in its own transaction (`anonymise`); one
    erased meanwhile is skipped. Returns how many were erased now."""
    erased = 0
    for row in rows:
        try:
            anonymise(db, row, reason=reason, by=by, now=now)
        except AlreadyErased:
            continue
        erased += 1
    return erased
