"""Backoffice: the delivery log of the workflow's webhooks, newest first, by status, each
event with its request, the transition, where its delivery stands and the receiver's last
answer; a failed delivery can be sent again (managers)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.service.calls import retry_webhook
from engine.service.webhook_log import STATUSES, Delivery, deliveries, delivery, delivery_counts
from engine.translations import N_, Phrasebook

from ..params import ROW_ID_MAX, Choice, RowId
from .access import Desk, ManageDesk, ProcessDesk
from .request_words import ActionForm, local_moment

router = APIRouter(prefix="/backoffice/{workflow_id}")

PAGE_SIZE = 50
Before = Annotated[int, Query(ge=0, le=ROW_ID_MAX)]  # 0: from the newest

WORDS = Phrasebook(
    {
        "title": N_("Webhooks"),
        "intro": N_(
            "The events sent to the addresses the process declares, newest first. A"
            " delivery refused or unanswered is retried automatically, at growing "
            "intervals; after the last attempt, or if the receiver answers 410, it "
            "fails and the managers are told."
        ),
        "all": N_("All events"),
        "queued": N_("Waiting"),
        "done": N_("Delivered"),
        "failed": N_("Failed"),
        "none": N_("No event."),
        "when": N_("Date"),
        "hook": N_("Webhook"),
        "request": N_("Request"),
        "event": N_("Event"),
        "status": N_("State"),
        "attempts": N_("Attempts"),
        "answer": N_("Last answer"),
        "next_try": N_("next attempt on {when}"),
        "http": N_("HTTP {status}"),
        "retry": N_("Resend"),
        "older": N_("Older events"),
        "newest": N_("Newest"),
        "pages": N_("Pages"),
        "filters": N_("Filter by state"),
        "requeued": N_("The event is back in the sending queue."),
        "not_failed": N_(
            "This event has not failed (or no longer has): it is not put back in the queue."
        ),
        "form_expired": N_("The form expired: reload the page and try again."),
        "note": N_("Put back in the queue by {who} on {when}; previous error: {error}"),
    }
)


def _words(desk: Desk) -> dict[str, str]:
    return WORDS.words(desk.locale)


def _href(desk: Desk, **query: Any) -> str:
    kept = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{desk.base}/webhooks" + (f"?{urlencode(kept)}" if kept else "")


def _line(desk: Desk, words: dict[str, str], item: Delivery) -> dict[str, Any]:
    states = {s.id: desk.text(s.label) for s in desk.compiled.spec.process.states}
    transitions = {t.id: desk.text(t.label) for t in desk.compiled.spec.process.transitions}
    answer = words["http"].format(status=item.http_status) if item.http_status else ""
    return {
        "id": item.id,
        "when": local_moment(desk, item.created_at),
        "hook": item.webhook,
        "reference": item.reference or "",
        "request_href": (
            f"{desk.base}/demandes/{quote(item.reference, safe='')}" if item.reference else ""
        ),
        "event": transitions.get(item.transition, item.transition),
        "move": f"{states.get(item.source, item.source)} → {states.get(item.target, item.target)}",
        "status_id": item.status,
        "status": words[item.status] if item.status in STATUSES else item.status,
        "attempts": item.attempts,
        "answer": answer,
        "error": item.last_error or "",
        "next_try": (
            words["next_try"].format(when=local_moment(desk, item.next_attempt_at))
            if item.next_attempt_at is not None and item.attempts
            else ""
        ),
        "retry_href": f"{desk.base}/webhooks/{item.id}/renvoyer",
    }


def _page(
    desk: Desk,
    status: str | None,
    before: int | None,
    *,
    notice: str | None = None,
    error: str | None = None,
    code: int = 200,
) -> HTMLResponse:
    words = _words(desk)
    workflow_id = desk.compiled.spec.id
    items, more = deliveries(desk.db, workflow_id, status=status, before=before, limit=PAGE_SIZE)
    counts = delivery_counts(desk.db, workflow_id)
    tabs = [
        {
            "label": words["all"],
            "count": sum(counts.values()),
            "href": _href(desk),
            "current": status is None,
        }
    ]
    tabs += [
        {"label": words[s], "count": counts[s], "href": _href(desk, etat=s), "current": status == s}
        for s in STATUSES
    ]
    return desk.page(
        "backoffice/webhooks.html",
        status=code,
        title=words["title"],
        texts=words,
        tabs=tabs,
        items=[_line(desk, words, item) for item in items],
        may_retry=desk.may("manage"),
        notice=notice,
        error=error,
        newest=_href(desk, etat=status) if before is not None else None,
        older=_href(desk, etat=status, avant=items[-1].id) if more and items else None,
    )


@router.get("/webhooks", response_class=HTMLResponse)
def webhook_log(desk: ProcessDesk, etat: Choice = "", avant: Before = 0) -> HTMLResponse:
    status = etat if etat in STATUSES else None
    notice = desk.request.session.pop("bo_notice", None)
    return _page(desk, status, avant or None, notice=notice)


@router.post("/webhooks/{call_id}/renvoyer", response_class=HTMLResponse)
def resend(desk: ManageDesk, call_id: RowId, form: ActionForm) -> Response:
    """Puts a failed delivery back in the queue, due now."""
    words = _words(desk)
    if not desk.csrf_ok(form):
        return _page(desk, None, None, error=words["form_expired"], code=400)
    found = delivery(desk.db, desk.compiled.spec.id, call_id)
    now = desk.runtime.now()
    note = words["note"].format(
        who=desk.staff.account.email,
        when=local_moment(desk, now),
        error=(found.last_error if found is not None else None) or "—",
    )
    if found is None or not retry_webhook(desk.db, desk.compiled.spec.id, call_id, note, now):
        return _page(desk, None, None, error=words["not_failed"], code=409)
    desk.request.session["bo_notice"] = words["requeued"]
    return RedirectResponse(_href(desk), status_code=303)
