"""API tokens of a workflow (admin): those acting with one of its roles, when they were created
and last used; creating one (shown once, then only its first characters) and revoking one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from engine.service.api_tokens import TokenProblem, create_token, list_tokens, revoke_token

from ..deps import Form
from ..forms import form_text
from ..params import RowId
from .access import AdminDesk, Desk
from .manage_pages import said
from .request_words import local_moment

router = APIRouter(prefix="/backoffice/{workflow_id}")


def _roles(desk: Desk) -> dict[str, str]:
    return {r.id: desk.text(r.label) for r in desk.compiled.spec.roles}


def _page(desk: Desk, *, status: int = 200, **context: Any) -> HTMLResponse:
    words = desk.words
    roles = _roles(desk)
    tokens = [
        {
            "id": t.id,
            "name": t.name,
            "prefix": t.prefix,
            "role": roles.get(t.role, t.role),
            "created": local_moment(desk, t.created_at),
            "created_by": words("tok_by", who=t.created_by) if t.created_by else "",
            "last_used": local_moment(desk, t.last_used_at) or words["tok_never"],
            "revoked": words("tok_revoked_on", when=local_moment(desk, t.revoked_at))
            if t.revoked_at
            else "",
        }
        for t in list_tokens(desk.db, set(roles))
    ]
    full: dict[str, Any] = {
        "title": words["bo_api_tokens"],
        "w": words,
        "tokens": tokens,
        "roles": [{"id": k, "label": v} for k, v in roles.items()],
        "error": "",
        "notice": "",
        "created": None,
        "name": "",
    }
    full.update(context)
    return desk.page("backoffice/api_tokens.html", status=status, **full)


@router.get("/jetons-api", response_class=HTMLResponse)
def tokens(desk: AdminDesk) -> HTMLResponse:
    return _page(desk)


@router.post("/jetons-api", response_class=HTMLResponse)
def create(desk: AdminDesk, form: Form) -> Response:
    name = form_text(form, "name", 300)
    if not desk.csrf_ok(form):
        return _page(desk, status=400, error=desk.words["tok_expired"], name=name)
    role = form_text(form, "role", 64)
    try:
        made = create_token(desk.db, name, role, set(_roles(desk)), desk.staff.account.email)
    except TokenProblem as problem:
        return _page(desk, status=422, error=said(desk, problem), name=name)
    notice = desk.words("tok_created", name=made.row.name)
    return _page(desk, created={"token": made.token}, notice=notice)


@router.post("/jetons-api/{token_id}/revocation", response_class=HTMLResponse)
def revoke(desk: AdminDesk, token_id: RowId, form: Form) -> Response:
    if not desk.csrf_ok(form):
        return _page(desk, status=400, error=desk.words["tok_expired"])
    roles = set(_roles(desk))
    mine = {t.id: t.name for t in list_tokens(desk.db, roles)}
    if token_id not in mine or not revoke_token(desk.db, token_id, desk.runtime.now(), roles):
        return _page(desk, status=404, error=desk.words["tok_not_found"])
    return _page(desk, notice=desk.words("tok_revoked", name=mine[token_id]))
