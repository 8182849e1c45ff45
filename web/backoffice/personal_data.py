"""Backoffice: a request's personal data, exported for the person (a ZIP) or erased at their
request; managers only, each act written in the request's history."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.service import request_detail
from engine.service.personal_data import (
    AlreadyErased,
    Eraser,
    anonymise,
    erase_person,
    export_person,
    export_request,
    same_person,
)
from engine.store.models import RequestRow

from ..forms import form_text
from ..params import Reference
from .access import ManageDesk
from .request_page import posted_to_request, request_not_found, request_response
from .request_words import ActionForm, local_moment, request_href, say_for

router = APIRouter(prefix="/backoffice/{workflow_id}")

MAX_REASON = 2000


def _zip(archive: bytes, name: str) -> Response:
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _by(desk: ManageDesk) -> Eraser:
    roles = desk.staff.roles_in(desk.compiled)
    return Eraser("user", desk.staff.account.email, sorted(roles)[0] if roles else None)


@router.post("/demandes/{reference}/donnees-personnelles/export")
def export_personal_data(desk: ManageDesk, reference: Reference, form: ActionForm) -> Response:
    say = say_for(desk)
    row = posted_to_request(desk, reference, form)
    if not isinstance(row, RequestRow):
        return row
    if row.anonymised_at is not None:
        return request_response(
            desk, row, status=409, error=say["privacy_already"], failed="privacy"
        )
    archive = export_request(desk.db, desk.runtime, row, _by(desk))
    return _zip(archive, f"donnees-{row.reference or row.public_id}.zip")


@router.post("/demandes/{reference}/donnees-personnelles/effacer", response_class=HTMLResponse)
def erase_personal_data(desk: ManageDesk, reference: Reference, form: ActionForm) -> Response:
    say = say_for(desk)
    row = posted_to_request(desk, reference, form)
    if not isinstance(row, RequestRow):
        return row
    reason = form_text(form, "reason", MAX_REASON).strip()
    typed = {"reason": reason}
    if not reason:
        return request_response(
            desk,
            row,
            status=422,
            error=say["privacy_reason_missing"],
            failed="privacy",
            error_on="reason",
            typed=typed,
        )
    if form.get("_confirme") != "oui":
        return request_response(
            desk,
            row,
            status=422,
            error=say["privacy_confirm_missing"],
            failed="privacy",
            error_on="confirm",
            typed=typed,
        )
    try:
        anonymise(desk.db, row, reason=reason, by=_by(desk), now=desk.runtime.now())
    except AlreadyErased:
        return request_response(desk, row, status=409, error=say["privacy_already"])
    desk.request.session["bo_notice"] = say["privacy_done"]
    return RedirectResponse(request_href(desk, reference), status_code=303)


# -- a person: every request of theirs in this workflow ------------------------------------------


def _person_page(
    desk: ManageDesk,
    row: RequestRow,
    *,
    status: int = 200,
    error: str = "",
    error_on: str | None = None,
    typed_reason: str = "",
) -> HTMLResponse:
    compiled = desk.compiled
    rows = same_person(desk.db, row)
    key = row.reference or row.public_id
    listed = []
    for other in rows:
        state = compiled.states.get(other.state)
        other_key = other.reference or other.public_id
        listed.append(
            {
                "key": other_key,
                "href": request_href(desk, other_key),
                "session": other.session_code or "",
                "state": desk.text(state.label) if state is not None else other.state,
                "created": local_moment(desk, other.created_at),
                "is_this": other.id == row.id,
            }
        )
    base = f"{request_href(desk, key)}/personne"
    return desk.page(
        "backoffice/person.html",
        status=status,
        title=desk.gettext("Person of request {reference}", reference=key),
        back=request_href(desk, key),
        email=row.applicant_email or "",
        erased=row.anonymised_at is not None,
        requests=listed,
        export_href=f"{base}/export",
        erase_href=f"{base}/effacer",
        error=error,
        error_on=error_on,
        typed_reason=typed_reason,
    )


@router.get("/demandes/{reference}/personne", response_class=HTMLResponse)
def person_page(desk: ManageDesk, reference: Reference) -> Response:
    row = request_detail.find_request(desk.db, desk.compiled.spec.id, reference)
    if row is None:
        return request_not_found(desk)
    return _person_page(desk, row)


@router.post("/demandes/{reference}/personne/export")
def export_person_data(desk: ManageDesk, reference: Reference, form: ActionForm) -> Response:
    row = posted_to_request(desk, reference, form)
    if not isinstance(row, RequestRow):
        return row
    if row.anonymised_at is not None:
        return _person_page(desk, row, status=409, error=say_for(desk)["privacy_already"])
    archive = export_person(desk.db, desk.runtime, same_person(desk.db, row), _by(desk))
    return _zip(archive, f"donnees-personne-{row.reference or row.public_id}.zip")


@router.post("/demandes/{reference}/personne/effacer", response_class=HTMLResponse)
def erase_person_data(desk: ManageDesk, reference: Reference, form: ActionForm) -> Response:
    say = say_for(desk)
    row = posted_to_request(desk, reference, form)
    if not isinstance(row, RequestRow):
        return row
    reason = form_text(form, "reason", MAX_REASON).strip()
    if row.anonymised_at is not None:
        return _person_page(desk, row, status=409, error=say["privacy_already"])
    if not reason:
        return _person_page(
            desk, row, status=422, error=say["privacy_reason_missing"], error_on="reason"
        )
    if form.get("_confirme") != "oui":
        return _person_page(
            desk,
            row,
            status=422,
            error=say["privacy_confirm_missing"],
            error_on="confirm",
            typed_reason=reason,
        )
    erased = erase_person(
        desk.db, same_person(desk.db, row), reason=reason, by=_by(desk), now=desk.runtime.now()
    )
    desk.request.session["bo_notice"] = (
        say["privacy_done"]
        if erased <= 1
        else desk.gettext(
            "The personal data of {n} requests of this person has been erased.", n=erased
        )
    )
    return RedirectResponse(request_href(desk, reference), status_code=303)
