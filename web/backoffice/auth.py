"""Logging in and out of the backoffice, and its entry page (the workflows one may reach).
Failed logins are throttled per address; logging out ends the account's logins everywhere."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.service.context import Runtime
from engine.service.sign_in import LoginProblem, log_in

from ..deps import Db, Form
from ..forms import form_text
from ..i18n import Words, staff_locale
from ..logins import Audience, begin_login, end_login
from ..pages import csrf_ok, render
from ..params import Target
from .access import LOGIN_PATH, current_staff

router = APIRouter(prefix="/backoffice")


def _words(request: Request) -> Words:
    return Words(_locale(request))


def _locale(request: Request) -> str:
    runtime: Runtime = request.app.state.runtime
    return staff_locale(request.headers.get("accept-language"), runtime.settings.locale)


def _safe_target(target: str) -> str:
    """Only a path of this backoffice: never another site after logging in."""
    if target.startswith("/backoffice") and not target.startswith("//") and "\\" not in target:
        return target
    return "/backoffice/"


def _login_page(
    request: Request, *, email: str = "", error: str = "", status: int = 200
) -> HTMLResponse:
    words = _words(request)
    return render(
        request,
        "backoffice/login.html",
        {
            "title": words["bo_login"],
            "header_title": words["backoffice"],
            "email": email,
            "error": error,
            "target": _safe_target(request.query_params.get("suite", "/backoffice/")),
        },
        status=status,
        locale=_locale(request),
    )


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, suite: Target = "/backoffice/") -> HTMLResponse:
    # `suite` is declared to be bounded; `_login_page` reads it (also when the form is shown
    # again after a wrong password).
    return _login_page(request)


@router.post("/connexion", response_class=HTMLResponse)
def login(request: Request, db: Db, form: Form) -> Response:
    words = _words(request)
    runtime: Runtime = request.app.state.runtime
    email = form_text(form, "email", 320).strip()
    password = form_text(form, "password", 1000)
    target = _safe_target(form_text(form, "suite", 500) or "/backoffice/")
    key = f"staff:{email.lower()}"
    now = runtime.now()
    if not csrf_ok(request, form.get("_csrf")):
        return _login_page(request, email=email, error=words["form_expired"], status=400)
    outcome = log_in(db, key=key, email=email, password=password, now=now, staff=True)
    if outcome.problem is LoginProblem.THROTTLED:
        return _login_page(request, email=email, error=words["login_throttled"], status=429)
    account = outcome.account
    if account is None:
        return _login_page(request, email=email, error=words["login_failed"], status=400)
    begin_login(request, account, Audience.STAFF)
    return RedirectResponse(target, status_code=303)


@router.post("/deconnexion")
def logout(request: Request, db: Db, form: Form) -> Response:
    if csrf_ok(request, form.get("_csrf")):
        end_login(request, db)
    return RedirectResponse(LOGIN_PATH, status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: Db) -> Response:
    staff = current_staff(request, db)
    if staff is None:
        return RedirectResponse(f"{LOGIN_PATH}?suite=/backoffice/", status_code=303)
    runtime: Runtime = request.app.state.runtime
    reachable = [c for c in runtime.registry.current.values() if staff.may(c, "process")]
    if len(reachable) == 1:
        return RedirectResponse(f"/backoffice/{reachable[0].spec.id}/demandes", status_code=303)
    words = _words(request)
    return render(
        request,
        "backoffice/home.html",
        {
            "title": words["backoffice"],
            "header_title": words["backoffice"],
            "workflows": [
                {"href": f"/backoffice/{c.spec.id}/demandes", "title": c.text(c.spec.title)}
                for c in reachable
            ],
        },
        status=200 if reachable else 403,
        locale=_locale(request),
    )
