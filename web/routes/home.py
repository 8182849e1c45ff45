"""`/`: the training sessions open for registration, for every workflow that has sessions,
and a start link for the others."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.service.context import Runtime
from engine.service.requests import RequestService, session_field
from engine.service.sessions import open_sessions

from ..deps import HandlerDb, SessionClosingRoute
from ..i18n import Words
from ..pages import render

router = APIRouter(route_class=SessionClosingRoute)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: HandlerDb) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    service = RequestService(db, runtime)
    groups: list[dict[str, Any]] = []
    workflows = list(runtime.registry.current.values())
    for compiled in workflows:
        if compiled.spec.wizard.invitation_only:
            continue  # opened from the links its invitations mail
        path = compiled.spec.wizard.path
        group: dict[str, Any] = {
            "lang": compiled.spec.locale,
            "words": Words(compiled.spec.locale),
            "title": compiled.text(compiled.spec.title),
            "description": compiled.text(compiled.spec.description)
            if compiled.spec.description
            else "",
            "sessions": [],
            "url": None,
        }
        if session_field(compiled) is None:
            group["url"] = f"/{path}"
        else:
            now, delay = runtime.now(), service.closing_delay(compiled)
            for session in open_sessions(db, compiled.spec.id, now, delay):
                view = service.session_view(session, compiled)
                view["url"] = f"/{path}/{session.code}"
                group["sessions"].append(view)
        groups.append(group)
    # The page speaks the instance's language; its frame is that of the first workflow in it.
    locale = runtime.settings.locale
    home_workflow = next((c for c in workflows if c.spec.locale == locale), None)
    organisation = dict(home_workflow.spec.organisation) if home_workflow else {}
    return render(
        request,
        "home.html",
        {
            "groups": groups,
            "title": Words(locale)["open_sessions"],
            "brand": organisation.get("name", ""),
            "organisation": organisation,
        },
        locale=locale,
    )
