"""Who may reach a backoffice page: a logged-in user whose roles give the level the route asks
for in the workflow of the address (`/backoffice/<workflow id>/...`). Handlers receive a `Desk`:
the user, the workflow, the database, and how to render a page inside the backoffice frame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from engine.compiled import CompiledWorkflow
from engine.service.answer_summary import group_field
from engine.service.context import Runtime
from engine.service.notifications import UNREAD_CAP, unread_count
from engine.service.staff import LEVELS, Staff, level_rank
from engine.translations import translate

from ..deps import Db
from ..i18n import Words, staff_locale
from ..logins import Audience, logged_in
from ..pages import csrf_ok, render
from ..params import SpecId

LOGIN_PATH = "/backoffice/connexion"


class LoginRequired(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class Forbidden(Exception):
    """Logged in, but the user's roles do not reach what the page needs."""


class UnknownWorkflow(Exception):
    pass


def login_url(target: str) -> str:
    return f"{LOGIN_PATH}?suite={quote(target, safe='/')}"


def current_staff(request: Request, db: Session) -> Staff | None:
    account = logged_in(request, db, Audience.STAFF)
    if account is None or not account.roles:
        return None
    return Staff(account)


# The pages of the backoffice menu: (path under the workflow, words key, level needed).
MENU = (
    ("demandes", "bo_requests", "process"),
    ("notifications", "bo_notifications", "process"),
    ("vue-ensemble", "bo_overview", "process"),
    ("synthese", "bo_summary", "process"),
    ("courriels", "bo_mails", "process"),
    ("webhooks", "bo_webhooks", "process"),
    ("presence", "bo_attendance", "process"),
    ("sessions", "bo_sessions", "manage"),
    ("listes", "bo_lists", "manage"),
    ("pdf", "bo_pdf", "manage"),
    ("export", "bo_export", "manage"),
    ("consentements", "bo_consents", "manage"),
    ("reglages", "bo_settings", "admin"),
    ("utilisateurs", "bo_users", "admin"),
    ("jetons-api", "bo_api_tokens", "admin"),
)


@dataclass
class Desk:
    request: Request
    db: Session
    runtime: Runtime
    staff: Staff
    compiled: CompiledWorkflow

    @property
    def locale(self) -> str:
        return staff_locale(self.request.headers.get("accept-language"), self.compiled.spec.locale)

    @property
    def words(self) -> Words:
        return Words(self.locale)

    @property
    def base(self) -> str:
        return f"/backoffice/{self.compiled.spec.id}"

    @property
    def level(self) -> str:
        return self.staff.level_in(self.compiled)

    def _declares(self, path: str) -> bool:
        """Pages about what a workflow may not declare are in its menu only when it does."""
        spec = self.compiled.spec
        return {
            "webhooks": bool(spec.webhooks),
            "consentements": bool(spec.consents),
            "synthese": group_field(self.compiled) is not None,
        }.get(path, True)

    def may(self, level: str) -> bool:
        return level_rank(self.level) >= level_rank(level)

    def gettext(self, message: str, **values: object) -> str:
        """An interface message (an English message id) in the desk's language."""
        return translate(self.locale, message, **values)

    def text(self, value: Any) -> str:
        return self.compiled.text(value, self.locale) if value is not None else ""

    def csrf_ok(self, form: FormData) -> bool:
        return csrf_ok(self.request, form.get("_csrf"))

    def page(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        words = self.words
        menu = [
            {"href": f"{self.base}/{path}", "label": words[key], "path": path}
            for path, key, level in MENU
            if self.may(level) and self._declares(path)
        ]
        roles = self.staff.roles_in(self.compiled)
        unread = unread_count(self.db, self.staff.account, roles)
        frame = {
            "brand": self.compiled.spec.organisation.get("name", ""),
            "organisation": dict(self.compiled.spec.organisation),
            "header_title": words["backoffice"],
            "workflow_title": self.text(self.compiled.spec.title),
            "menu": menu,
            "current": self.request.url.path,
            "base": self.base,
            "staff_name": " ".join(
                p for p in (self.staff.account.first_name, self.staff.account.last_name) if p
            )
            or self.staff.account.email,
            "unread": f"{UNREAD_CAP}+" if unread > UNREAD_CAP else unread,
            # Edited files this process refused to take: admins are the ones who can fix them.
            "reload_problems": [str(p) for p in self.runtime.registry.problems]
            if self.may("admin")
            else [],
        }
        frame.update(context)
        return render(self.request, template, frame, status=status, locale=self.locale)


def require(level: str) -> Callable[..., Desk]:
    """A dependency giving a Desk when the user reaches `level` in the address's workflow."""
    if level not in LEVELS:
        raise ValueError(level)

    def dependency(request: Request, db: Db, workflow_id: SpecId) -> Desk:
        runtime: Runtime = request.app.state.runtime
        compiled = runtime.registry.get(workflow_id)
        if compiled is None:
            raise UnknownWorkflow(workflow_id)
        staff = current_staff(request, db)
        if staff is None:
            raise LoginRequired(request.url.path)
        if not staff.may(compiled, level):
            raise Forbidden(request.url.path)
        return Desk(request, db, runtime, staff, compiled)

    dependency.level = level  # type: ignore[attr-defined]  # read by the access test
    return dependency


ProcessDesk = Annotated[Desk, Depends(require("process"))]
ManageDesk = Annotated[Desk, Depends(require("manage"))]
AdminDesk = Annotated[Desk, Depends(require("admin"))]
