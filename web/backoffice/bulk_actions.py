"""Backoffice: a transition fired on many requests at once where the spec allows it, after a
confirmation page listing them."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.datastructures import FormData, QueryParams

from engine.service.bulk import NotFound, fire_many
from engine.spec.process import Transition
from engine.store.models import RequestRow

from ..forms import form_text
from ..guard import clean_part
from .access import Desk, ProcessDesk
from .request_list_page import bulk_transitions, queue_response
from .request_words import (
    MAX_BULK,
    MAX_COMMENT,
    BulkForm,
    Versions,
    actor_for,
    refusal,
    request_href,
    say_for,
)

router = APIRouter(prefix="/backoffice/{workflow_id}")

# -- bulk transitions ---------------------------------------------------------------------------


def _return_params(desk: Desk, form: FormData) -> QueryParams:
    """The queue's address the bulk form came from (only ever this queue)."""
    back = form_text(form, "_retour", 2000)
    prefix = f"{desk.base}/demandes"
    if back != prefix and not back.startswith(prefix + "?"):
        return QueryParams("")
    query = back[len(prefix) + 1 :]
    # Only what the queue's own address may hold: the guard refuses the rest before routing.
    return QueryParams(query if clean_part(query.encode()) else "")


def _selected(form: FormData) -> list[tuple[str, int]]:
    items: list[tuple[str, int]] = []
    seen: set[str] = set()
    for value in form.getlist("selection")[: MAX_BULK * 2]:
        if not isinstance(value, str) or ":" not in value:
            continue
        reference, _, version = value.rpartition(":")
        if reference in seen or not reference or len(reference) > 80:
            continue
        try:
            items.append((reference, int(version)))
        except ValueError:
            continue
        seen.add(reference)
    return items[:MAX_BULK]


@router.post("/demandes/lot", response_class=HTMLResponse)
def bulk(desk: ProcessDesk, form: BulkForm) -> HTMLResponse:
    say = say_for(desk)
    back = _return_params(desk, form)
    if not desk.csrf_ok(form):
        return queue_response(desk, back, report={"error": say["form_expired"]}, status=400)
    actor = actor_for(desk)
    transitions = {t.id: t for t in bulk_transitions(desk.compiled, actor)}
    transition = transitions.get(form_text(form, "transition", 64))
    items = _selected(form)
    if transition is None:
        return queue_response(desk, back, report={"error": say["bulk_unknown"]}, status=422)
    if not items:
        return queue_response(desk, back, report={"error": say["bulk_none"]}, status=422)
    comment = form_text(form, "comment", MAX_COMMENT).strip()
    label = desk.text(transition.label)
    comment_label = (
        desk.text(transition.comment.label) if transition.comment else desk.words["comment"]
    )
    error = ""
    if form_text(form, "_confirmer", 10) == "oui":
        if transition.comment is not None and transition.comment.required and not comment:
            error = say("comment_missing", label=comment_label)
        else:
            return _bulk_fire(desk, back, transition, items, comment or None)
    # The confirmation step: what will be done, to which requests, with the comment asked.
    versions = Versions(desk)
    references = [reference for reference, _ in items]
    found = {
        row.reference: row
        for row in desk.db.execute(
            select(
                RequestRow.reference,
                RequestRow.applicant_name,
                RequestRow.state,
                RequestRow.spec_hash,
            ).where(
                RequestRow.workflow_id == desk.compiled.spec.id,
                RequestRow.reference.in_(references),
            )
        )
    }
    listed = [
        {
            "reference": reference,
            "value": f"{reference}:{version}",
            "name": (found[reference].applicant_name or "") if reference in found else "",
            "state": versions.state_label(found[reference].state, found[reference].spec_hash)
            if reference in found
            else "",
        }
        for reference, version in items
    ]
    return desk.page(
        "backoffice/queue.html",
        status=422 if error else 200,
        title=f"{desk.words['error_prefix']} {say['bulk_title']}" if error else say["bulk_title"],
        say=say,
        bulk_confirm={
            "transition": transition.id,
            "question": say("bulk_question", label=label, n=len(items)),
            "confirm": desk.text(transition.confirm) if transition.confirm else "",
            "comment": transition.comment is not None,
            "comment_required": bool(transition.comment and transition.comment.required),
            "comment_label": comment_label,
            "comment_value": comment,
            "danger": transition.style == "danger",
            "items": listed,
            "error": error,
            "retour": f"{desk.base}/demandes" + (f"?{back}" if str(back) else ""),
        },
    )


def _bulk_fire(
    desk: Desk,
    back: QueryParams,
    transition: Transition,
    items: list[tuple[str, int]],
    comment: str | None,
) -> HTMLResponse:
    say = say_for(desk)
    outcome = fire_many(
        desk.db,
        desk.runtime,
        desk.compiled.spec.id,
        transition.id,
        items,
        actor_for(desk),
        comment,
    )
    versions = Versions(desk)
    done = [{"reference": r, "href": request_href(desk, r)} for r in outcome.done]
    refused: list[dict[str, str]] = []
    for refused_one in outcome.refused:
        reference = refused_one.reference
        if isinstance(refused_one.error, NotFound):
            refused.append({"reference": reference, "reason": say["not_found_request"]})
            continue
        refused.append(
            {
                "reference": reference,
                "href": request_href(desk, reference),
                "reason": refusal(say, refused_one.error, versions, refused_one.row),
            }
        )
    report = {
        "label": desk.text(transition.label),
        "done": done,
        "refused": refused,
        "done_title": say("bulk_done", n=len(done)),
        "refused_title": say("bulk_refused", n=len(refused)),
    }
    return queue_response(desk, back, report=report)
