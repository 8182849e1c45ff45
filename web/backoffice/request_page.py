"""Backoffice: the page of one request (answers by wizard step, reference entries, history,
mails, documents) and the transitions this user may fire from it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import FormData

from engine.compiled import CompiledWorkflow
from engine.process.actors import may_fire
from engine.process.firing import (
    FireError,
)
from engine.service import request_detail
from engine.service.attendance import (
    DocumentFailed,
    NotARequestDocument,
    make_request_document,
    request_documents,
)
from engine.service.calls import calls_of, retry_call
from engine.service.request_columns import applicant_name
from engine.service.requests import Conflict, RequestService
from engine.service.seat_events import position_in_line
from engine.service.timers import pending_timers
from engine.service.version_moves import Mover, UnsafeMoves, move_requests
from engine.spec.fields import SessionField
from engine.store.models import RequestRow
from engine.wizard.display import display_answers

from ..forms import form_text
from ..params import Reference, RowId, SpecId
from .access import Desk, ManageDesk, ProcessDesk
from .correction_history import corrections_view
from .request_version import version_view
from .request_words import (
    MAX_COMMENT,
    WORDS,
    ActionForm,
    Say,
    Versions,
    actor_for,
    local_moment,
    refusal,
    request_href,
    say_for,
)

router = APIRouter(prefix="/backoffice/{workflow_id}")

# -- one request --------------------------------------------------------------------------------


def _actor_text(desk: Desk, say: Say, kind: str, name: str) -> str:
    if kind == "applicant":
        return f"{say['actor_applicant']}" + (f" ({name})" if name else "")
    if kind == "link":
        return say["actor_link"]
    if kind == "timer":
        return say["actor_timer"]
    if kind == "retention":
        return say("actor_retention", rule=name)
    if kind == "event":
        return say["actor_event"]
    return name


def _value_text(desk: Desk, list_field: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    if list_field.type == "boolean":
        return desk.words["yes"] if value else desk.words["no"]
    return str(value)


def _entries_view(
    desk: Desk, compiled: CompiledWorkflow, entries: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The entries chosen in reference list fields, their status (flagged when it is the one
    the field gives entries described by applicants: "not referenced") and their values."""
    lists = {ref.id: ref for ref in compiled.spec.reference_lists}
    found = []
    for field_id, field in compiled.reference_fields().items():
        entry = entries.get(field_id)
        ref = lists.get(field.list)
        if not entry or ref is None or not (ref.fields or ref.statuses):
            continue  # a bare choice: the answers show it already
        statuses = {s.id: compiled.text(s.label, desk.locale) for s in ref.statuses}
        status = entry.get("status")
        flagged = field.not_found is not None and status == field.not_found.status
        details = []
        for column in ref.fields:
            value = entry.get(column.id)
            if column.type == "reference" and isinstance(value, str) and column.list in lists:
                # An entry of another list (a type...): its label as the spec gives it.
                sub = next((e for e in lists[column.list].entries if e.id == value), None)
                value = compiled.text(sub.label, desk.locale) if sub else value
            text = _value_text(desk, column, value)
            if text:
                details.append((compiled.text(column.label, desk.locale), text))
        found.append(
            {
                "field": compiled.text(field.label, desk.locale),
                "list": compiled.text(ref.item_label or ref.label, desk.locale),
                "label": entry.get("label") or entry.get("id") or "",
                "status": statuses.get(status or "", status or ""),
                "flagged": flagged,
                "details": details,
            }
        )
    return found


def _answers_view(
    desk: Desk, service: RequestService, row: RequestRow, compiled: CompiledWorkflow
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    extras = service.extras(row, compiled)
    entries = extras["entries"]
    display = display_answers(
        compiled.fields, row.answers, desk.locale, compiled.spec.locale, entries
    )
    session = extras["session"]
    steps = []
    for step in compiled.wizard.visible_steps(row.answers, extras):
        items = []
        for field in compiled.wizard.visible_fields(step, row.answers, extras):
            spec = field.spec
            label = getattr(spec, "label", None)
            if not spec.has_answer or label is None:
                continue
            value = display.get(spec.id, "")
            if isinstance(spec, SessionField) and session:
                value = f"{value} — {session.get('title', '')}"
            items.append({"label": compiled.text(label, desk.locale), "value": value})
        if items:
            steps.append({"title": compiled.text(step.spec.title, desk.locale), "items": items})
    return steps, entries


def _unprintable_text(desk: Desk, compiled: CompiledWorkflow, row: RequestRow) -> str:
    found = request_detail.unprintable_answers(row.answers or {})
    if not found:
        return ""
    named = []
    for field_id, chars in found.items():
        field = compiled.fields.get(field_id)
        label = getattr(field, "label", None)
        name = compiled.text(label, desk.locale) if label else field_id
        named.append(f"{name} ({' '.join(chars)})")
    return desk.words("pdf_missing_glyphs", fields=", ".join(named))


def request_response(
    desk: Desk,
    row: RequestRow,
    *,
    status: int = 200,
    error: str = "",
    notice: str = "",
    failed: str | None = None,
    error_on: str | None = None,
    typed: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The request's page; `error` concerns the transition `failed`, and its `error_on`
    control ("comment" or "confirm") when the message is about one."""
    say = say_for(desk)
    db = desk.db
    service = RequestService(db, desk.runtime)
    versions = Versions(desk)
    compiled = versions(row.spec_hash)
    steps, entries = _answers_view(desk, service, row, compiled)
    roles = {r.id: compiled.text(r.label, desk.locale) for r in compiled.spec.roles}
    transitions = compiled.process.transitions
    history = [
        {
            "when": local_moment(desk, h.at),
            "who": _actor_text(desk, say, h.actor_kind, h.actor_name),
            "role": roles.get(h.role or "", h.role or ""),
            "transition": compiled.text(transitions[h.transition].label, desk.locale)
            if h.transition in transitions
            else say[f"h_{h.transition}"]
            if f"h_{h.transition}" in WORDS
            else h.transition,
            "from": versions.state_label(h.from_state, row.spec_hash),
            "to": versions.state_label(h.to_state, row.spec_hash),
            "changed": h.from_state != h.to_state,
            "comment": h.comment or "",
        }
        for h in request_detail.history_of(db, row.id)
    ]
    mails = [
        {
            "when": local_moment(desk, m.created_at),
            "template": m.template,
            "subject": m.subject,
            "href": f"{desk.base}/courriels/{m.id}",
            "to": ", ".join(m.to),
            "cc": ", ".join(m.cc),
            "redirected": ", ".join(m.redirected_to or []),
            "status": say[f"status_{m.status}"] if f"status_{m.status}" in WORDS else m.status,
            "status_id": m.status,
            "error": m.last_error or "",
        }
        for m in request_detail.mails_of(db, row.id)
    ]
    key = row.reference or row.public_id
    calls = _calls_view(desk, say, row, key)
    documents = [
        {
            "href": f"{request_href(desk, key)}/documents/{d.id}",
            "filename": d.filename,
            "title": compiled.text(compiled.documents[d.document_id].title, desk.locale)
            if d.document_id in compiled.documents and compiled.documents[d.document_id].title
            else d.document_id,
            "when": local_moment(desk, d.created_at),
            "size": f"{max(1, round(d.size / 1024))} {'Kio' if desk.locale == 'fr' else 'KiB'}",
        }
        for d in request_detail.documents_of(db, row.id)
    ]
    makeable = (
        [
            {
                "id": document_id,
                "label": say("make_document", title=title),
                "href": f"{request_href(desk, key)}/documents/{document_id}/generer",
            }
            for document_id, title in request_documents(compiled).items()
        ]
        if row.anonymised_at is None and row.submitted_at is not None
        else []
    )
    actions = []
    typed = typed or {}
    for available in service.available(row, compiled, actor_for(desk)):
        t = available.transition
        comment_label = (
            compiled.text(t.comment.label, desk.locale) if t.comment else desk.words["comment"]
        )
        actions.append(
            {
                "id": t.id,
                "label": compiled.text(t.label, desk.locale),
                "href": f"{request_href(desk, key)}/transitions/{t.id}",
                "enabled": available.enabled,
                "reason": available.reason or "",
                "confirm": compiled.text(t.confirm, desk.locale) if t.confirm else "",
                "comment": t.comment is not None,
                "comment_required": bool(t.comment and t.comment.required),
                "comment_label": comment_label,
                "comment_value": typed.get("comment", "") if failed == t.id else "",
                "style": t.style,
                "error": error if failed == t.id else "",
                "error_on": error_on if failed == t.id else None,
                "confirmed": failed == t.id and typed.get("confirmed") == "oui",
            }
        )
    state_spec = compiled.states.get(row.state)
    session = service.session_of(row, compiled)
    attendance = service.snapshot(row, compiled).attendance if row.submitted_at else None
    title = say("request_title", reference=row.reference) if row.reference else say["draft_title"]
    target = f"{error_on}-{failed}" if error and error_on and failed else None
    return desk.page(
        "backoffice/request.html",
        status=status,
        title=f"{desk.words['error_prefix']} {title}" if target else title,
        error_target=target,
        say=say,
        heading=title,
        reference=row.reference,
        key=key,
        state_label=versions.state_label(row.state, row.spec_hash),
        position=position_in_line(db, desk.runtime, row),
        deadlines=[
            {
                "label": compiled.text(transitions[t].label, desk.locale),
                "when": local_moment(desk, when),
            }
            for t, when in pending_timers(db, desk.runtime, row, compiled)
        ],
        state_description=compiled.text(state_spec.description, desk.locale)
        if state_spec and state_spec.description
        else "",
        applicant=row.applicant_name or applicant_name(compiled, row.answers or {}) or "",
        email=row.applicant_email or (row.answers or {}).get(compiled.spec.applicant.email) or "",
        session=session,
        submitted=local_moment(desk, row.submitted_at),
        created=local_moment(desk, row.created_at),
        version=row.version,
        spec_version=version_view(desk, row, key),
        steps=steps,
        entries=_entries_view(desk, compiled, entries),
        history=history,
        corrections=corrections_view(desk, service, row, compiled),
        unprintable=_unprintable_text(desk, compiled, row),
        mails=mails,
        calls=calls,
        may_retry=desk.may("manage"),
        privacy={
            "may": desk.may("manage"),
            "erased": say("privacy_erased", when=local_moment(desk, row.anonymised_at))
            if row.anonymised_at is not None
            else "",
            "export_href": f"{request_href(desk, key)}/donnees-personnelles/export",
            "erase_href": f"{request_href(desk, key)}/donnees-personnelles/effacer",
            "person_href": f"{request_href(desk, key)}/personne",
            "typed_reason": (typed or {}).get("reason", ""),
            "error_on": error_on if failed == "privacy" else None,
            "error": error if failed == "privacy" else "",
        },
        documents=documents,
        makeable=makeable,
        attendance=attendance if attendance and attendance.get("planned") else None,
        attendance_summary=say(
            "attendance_summary",
            **{k: attendance.get(k, 0) for k in ("present", "planned", "absent", "unrecorded")},
        )
        if attendance
        else "",
        attendance_href=f"{desk.base}/presence/{quote(row.session_code, safe='')}"
        if row.session_code
        else "",
        actions=actions,
        error=error,
        notice=notice,
        back=f"{desk.base}/demandes",
    )


def _call_result(say: Say, result: Mapping[str, Any] | None) -> str:
    """What a call left behind, as operators read it: the account on the other system, the
    enrolment, the group."""
    if not result:
        return ""
    parts = []
    if result.get("user_id") is not None:
        parts.append(
            say("call_user", user_id=result["user_id"], username=result.get("username") or "")
        )
        if "created" in result:
            parts.append(say["call_created"] if result["created"] else say["call_found"])
    if result.get("enrolled"):
        parts.append(
            say("call_enrolled", course=result.get("course", ""), role=result.get("role", ""))
        )
    if result.get("group"):
        parts.append(say("call_group", group=result["group"]))
    return ", ".join(str(p) for p in parts)


def _calls_view(desk: Desk, say: Say, row: RequestRow, key: str) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "when": local_moment(desk, c.created_at),
            "call": f"{c.kind} · {c.operation}",
            "status_id": c.status,
            "status": say[f"call_status_{c.status}"]
            if f"call_status_{c.status}" in WORDS
            else c.status,
            "attempts": c.attempts,
            "error": c.last_error or "",
            "result": _call_result(say, c.result),
            "retry_href": f"{request_href(desk, key)}/appels/{c.id}/reessayer",
        }
        for c in calls_of(desk.db, row.id)
    ]


def request_not_found(desk: Desk) -> HTMLResponse:
    say = say_for(desk)
    return desk.page(
        "backoffice/request.html",
        status=404,
        title=say["not_found_request"],
        say=say,
        heading=say["not_found_request"],
        missing=True,
        back=f"{desk.base}/demandes",
    )


def posted_to_request(desk: Desk, reference: str, form: FormData) -> RequestRow | Response:
    """The request a backoffice form acts on, or the page that refuses the post: 404 for an
    unknown request, 400 with the request's page when the form's token has expired."""
    row = request_detail.find_request(desk.db, desk.compiled.spec.id, reference)
    if row is None:
        return request_not_found(desk)
    if not desk.csrf_ok(form):
        return request_response(desk, row, status=400, error=say_for(desk)["form_expired"])
    return row


@router.get("/demandes/{reference}", response_class=HTMLResponse)
def request_page(desk: ProcessDesk, reference: Reference) -> HTMLResponse:
    row = request_detail.find_request(desk.db, desk.compiled.spec.id, reference)
    if row is None:
        return request_not_found(desk)
    notice = desk.request.session.pop("bo_notice", None)
    return request_response(desk, row, notice=notice if isinstance(notice, str) else "")


@router.post("/demandes/{reference}/transitions/{transition_id}", response_class=HTMLResponse)
def fire_transition(
    desk: ProcessDesk,
    reference: Reference,
    transition_id: SpecId,
    form: ActionForm,
) -> Response:
    say = say_for(desk)
    db = desk.db
    workflow_id = desk.compiled.spec.id
    typed = {
        "comment": form_text(form, "comment", MAX_COMMENT),
        "confirmed": form_text(form, "_confirme", 10),
    }
    if not desk.csrf_ok(form):
        row = request_detail.find_request(db, workflow_id, reference)
        if row is None:
            return request_not_found(desk)
        return request_response(desk, row, status=400, error=say["form_expired"])
    # Two people firing at once: the service writes only over the version the operator saw,
    # so the second one gets the conflict message.
    row = request_detail.find_request(db, workflow_id, reference)
    if row is None:
        return request_not_found(desk)
    service = RequestService(db, desk.runtime)
    compiled = service.compiled_for(row)
    transition = compiled.process.transitions.get(transition_id)
    try:
        version = int(form_text(form, "_version", 12))
    except ValueError:
        version = -1

    def again(message: str, status: int, on: str | None = None) -> HTMLResponse:
        return request_response(
            desk, row, status=status, error=message, failed=transition_id, error_on=on, typed=typed
        )

    if transition is None:
        return again(say["unknown_transition"], 404)
    if not may_fire(transition, actor_for(desk)):
        return again(say["not_allowed"], 403)
    if version != row.version:
        return again(say["conflict"], 409)
    comment = typed["comment"].strip()
    if transition.comment is not None and transition.comment.required and not comment:
        label = compiled.text(transition.comment.label, desk.locale)
        return again(say("comment_missing", label=label), 422, "comment")
    if transition.confirm and typed["confirmed"] != "oui":
        return again(say["confirm_missing"], 422, "confirm")
    try:
        service.fire(
            row,
            compiled,
            transition_id,
            actor_for(desk),
            comment=comment or None,
            expected_version=version,
        )
    except Conflict:
        db.refresh(row)
        return again(say["conflict"], 409)
    except FireError as error:
        return again(refusal(say, error, Versions(desk), row), 409)
    desk.request.session["bo_notice"] = say(
        "done", label=compiled.text(transition.label, desk.locale)
    )
    return RedirectResponse(request_href(desk, reference), status_code=303)


@router.post("/demandes/{reference}/appels/{call_id}/reessayer", response_class=HTMLResponse)
def retry(desk: ManageDesk, reference: Reference, call_id: RowId, form: ActionForm) -> Response:
    """Puts a failed outbound call of the request back in the queue."""
    say = say_for(desk)
    row = posted_to_request(desk, reference, form)
    if not isinstance(row, RequestRow):
        return row
    call = next((c for c in calls_of(desk.db, row.id) if c.id == call_id), None)
    now = desk.runtime.now()
    note = (
        desk.gettext(
            "Put back in the queue by {who} on {when}; previous error: {error}",
            who=desk.staff.account.email,
            when=local_moment(desk, now),
            error=call.last_error or "—",
        )
        if call is not None
        else ""
    )
    if call is None or not retry_call(desk.db, call_id, row.id, note, now):
        return request_response(desk, row, status=409, error=say["call_not_failed"])
    desk.request.session["bo_notice"] = say["call_requeued"]
    return RedirectResponse(request_href(desk, reference), status_code=303)


@router.post("/demandes/{reference}/documents/{document_id}/generer", response_model=None)
def make_document(
    desk: ProcessDesk, reference: Reference, document_id: SpecId, form: ActionForm
) -> Response:
    """Makes one of the request's documents now (a certificate on demand), stored with it."""
    say = say_for(desk)
    row = posted_to_request(desk, reference, form)
    if not isinstance(row, RequestRow):
        return row
    if row.anonymised_at is not None or row.submitted_at is None:
        return request_response(desk, row, status=409, error=say["unknown_document"])
    service = RequestService(desk.db, desk.runtime)
    try:
        made = make_request_document(service, row, document_id, desk.staff.account.email, None)
    except NotARequestDocument:
        return request_response(desk, row, status=404, error=say["unknown_document"])
    except DocumentFailed as error:
        return request_response(
            desk, row, status=422, error=say("document_failed", error=str(error))
        )
    titles = request_documents(service.compiled_for(row))
    desk.request.session["bo_notice"] = say(
        "document_made", title=titles.get(made.document_id, made.filename)
    )
    return RedirectResponse(request_href(desk, reference), status_code=303)


@router.get("/demandes/{reference}/documents/{document_row_id}")
def download_document(
    desk: ProcessDesk,
    reference: Reference,
    document_row_id: RowId,
) -> Response:
    row = request_detail.find_request(desk.db, desk.compiled.spec.id, reference)
    document = request_detail.document_of(desk.db, row.id, document_row_id) if row else None
    if row is None or document is None:
        return request_not_found(desk)
    filename = document.filename or f"{document.document_id}.pdf"
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename) or "document.pdf"
    return Response(
        document.content,
        media_type=document.content_type or "application/pdf",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "Cache-Control": "no-store",
        },
    )


@router.post("/demandes/{reference}/version-actuelle", response_class=HTMLResponse)
def move_to_current_version(desk: ManageDesk, reference: Reference, form: ActionForm) -> Response:
    """Moves the request to the current version, if it is safe (`onboarding migrate`'s rules)."""
    say = say_for(desk)
    row = posted_to_request(desk, reference, form)
    if not isinstance(row, RequestRow):
        return row
    if form_text(form, "_version", 12) != str(row.version):
        return request_response(desk, row, status=409, error=say["conflict"])
    mover = Mover("user", desk.staff.account.email)
    workflow_id = desk.compiled.spec.id
    try:
        plan = move_requests(desk.db, desk.runtime.registry, workflow_id, mover, [row.public_id])
    except UnsafeMoves:
        return request_response(desk, row, status=409, error=say["version_not_movable"])
    except StaleDataError:
        # The service's write transaction rolled back (store/transaction.writing): read again.
        desk.db.refresh(row)
        return request_response(desk, row, status=409, error=say["conflict"])
    if not plan.moves:
        return request_response(desk, row, status=409, error=say["version_not_movable"])
    desk.request.session["bo_notice"] = say["version_moved"]
    return RedirectResponse(request_href(desk, reference), status_code=303)
