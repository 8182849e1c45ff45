"""Backoffice users of a workflow (admin): who holds which of its roles, including the testers
who receive every mail while test mode is on. Passwords are drawn here and shown once.
Deactivating a user ends their logins at once; adding them again reactivates them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from engine.service.logins import deactivate
from engine.service.staff import Staff
from engine.service.staff_accounts import add_staff, set_roles
from engine.store.models import Account
from engine.wizard.values import normalise_email

from ..deps import Form
from ..forms import form_text
from ..params import RowId
from .access import AdminDesk, Desk

router = APIRouter(prefix="/backoffice/{workflow_id}")
# Within the database's integer range: a larger id is a 4xx, not an error of the database.


def _role_ids(desk: Desk) -> list[str]:
    return [r.id for r in desk.compiled.spec.roles]


def _users(desk: Desk) -> list[dict[str, Any]]:
    mine = set(_role_ids(desk))
    accounts = desk.db.execute(select(Account).order_by(Account.email)).scalars()
    return [
        {
            "id": a.id,
            "email": a.email,
            "name": " ".join(p for p in (a.first_name, a.last_name) if p),
            "roles": [r for r in (a.roles or []) if r in mine],
            "active": a.active,
        }
        for a in accounts
        if set(a.roles or []) & mine
    ]


def _page(desk: Desk, *, status: int = 200, **context: Any) -> HTMLResponse:
    roles = [{"id": r.id, "label": desk.text(r.label)} for r in desk.compiled.spec.roles]
    full = {
        "title": desk.gettext("Users"),
        "users": _users(desk),
        "roles": roles,
        "error": "",
        "created": None,
        "email": "",
        "first_name": "",
        "last_name": "",
    }
    full.update(context)
    return desk.page("backoffice/users.html", status=status, **full)


@router.get("/utilisateurs", response_class=HTMLResponse)
def users(desk: AdminDesk) -> HTMLResponse:
    return _page(desk)


@router.post("/utilisateurs", response_class=HTMLResponse)
def create_user(desk: AdminDesk, form: Form) -> Response:
    if not desk.csrf_ok(form):
        return _page(desk, status=400, error=desk.gettext("The form expired: try again."))
    email = normalise_email(form_text(form, "email", 320))
    chosen = [r for r in form.getlist("roles") if r in _role_ids(desk)]
    typed = {
        "email": form_text(form, "email", 320),
        "first_name": form_text(form, "first_name", 200).strip(),
        "last_name": form_text(form, "last_name", 200).strip(),
    }
    if email is None:
        return _page(desk, status=422, error=desk.gettext("Enter a valid email address."), **typed)
    if not chosen:
        return _page(desk, status=422, error=desk.gettext("Choose at least one role."), **typed)
    password = add_staff(desk.db, email, typed["first_name"], typed["last_name"], chosen)
    return _page(desk, created={"email": email, "password": password})


@router.post("/utilisateurs/{account_id}", response_class=HTMLResponse)
def update_user(desk: AdminDesk, account_id: RowId, form: Form) -> Response:
    if not desk.csrf_ok(form):
        return _page(desk, status=400, error=desk.gettext("The form expired: try again."))
    account = desk.db.get(Account, account_id)
    mine = set(_role_ids(desk))
    if account is None or not set(account.roles or []) & mine:
        return _page(desk, status=404, error=desk.gettext("User not found."))
    chosen = {r for r in form.getlist("roles") if r in mine}
    if account.id == desk.staff.account.id and not chosen:
        return _page(
            desk, status=422, error=desk.gettext("You cannot take away all your own roles.")
        )
    # Roles of other workflows are kept as they are.
    set_roles(desk.db, account, (set(account.roles or []) - mine) | chosen)
    return RedirectResponse(f"{desk.base}/utilisateurs", status_code=303)


def _beyond_reach(desk: Desk, account: Account) -> bool:
    """An account is one person across workflows: deactivating it shuts every backoffice it
    reaches, so only an admin of all of them may."""
    target = Staff(account)
    return any(
        target.level_in(compiled) != "none" and not desk.staff.may(compiled, "admin")
        for compiled in desk.runtime.registry.current.values()
    )


@router.post("/utilisateurs/{account_id}/desactivation", response_class=HTMLResponse)
def deactivate_user(desk: AdminDesk, account_id: RowId, form: Form) -> Response:
    if not desk.csrf_ok(form):
        return _page(desk, status=400, error=desk.gettext("The form expired: try again."))
    account = desk.db.get(Account, account_id)
    if account is None or not set(account.roles or []) & set(_role_ids(desk)):
        return _page(desk, status=404, error=desk.gettext("User not found."))
    if account.id == desk.staff.account.id:
        return _page(desk, status=422, error=desk.words["bo_user_not_yourself"])
    if _beyond_reach(desk, account):
        return _page(desk, status=403, error=desk.words["bo_user_beyond_reach"])
    deactivate(desk.db, account)
    return RedirectResponse(f"{desk.base}/utilisateurs", status_code=303)
