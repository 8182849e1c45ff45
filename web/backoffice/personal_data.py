"""Backoffice: a request's personal data, exported for the person (a ZIP) or erased at their
request; managers only, each act written in the request's history."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.service.personal_data import AlreadyErased, Eraser, anonymise, export_request
from engine.store.models import RequestRow

from ..forms import form_text
from ..params import Reference
from .access import ManageDesk
from .request_page import posted_to_request, request_response
from .request_words import ActionForm, request_href, say_for

router = APIRouter(prefix="/backoffice/{workflow_id}")

MAX_REASON = 2000


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
    name = f"donnees-{row.reference or row.public_id}.zip"
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


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
