"""Backoffice: the people of a training session who agreed to one of the workflow's consent
purposes, with what they agreed to share; on screen and as CSV (for the list the guide's
consent promises to the session's participants)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from engine.service.consents import agreements, purpose_of, session_choices
from engine.service.requests import RequestService
from engine.translations import N_, Phrasebook

from ..params import Choice
from .access import ManageDesk
from .export import as_csv, neutralise
from .request_words import local_moment

router = APIRouter(prefix="/backoffice/{workflow_id}")

WORDS = Phrasebook(
    {
        "title": N_("Consents"),
        "intro": N_(
            "The people registered for a session who agreed to one of the declared "
            "uses, with what they agreed to share. The agreement is recorded when "
            "the request is sent, with the text's version and the date."
        ),
        "purpose": N_("Use"),
        "session": N_("Session"),
        "show": N_("Show"),
        "csv": N_("Download the list (CSV)"),
        "none": N_("Nobody agreed to this use for this session."),
        "reference": N_("Reference"),
        "version": N_("Text version"),
        "at": N_("Agreed on"),
        "count": N_("{n} person(s)"),
        "unknown": N_("Choose a use and a session from the list."),
    }
)


def _words(desk: ManageDesk) -> dict[str, str]:
    return WORDS.words(desk.locale)


def _chosen(desk: ManageDesk, objet: str, session: str) -> tuple[Any, str | None]:
    purpose = purpose_of(desk.compiled, objet) if objet else None
    codes = {code for code, _ in session_choices(desk.db, desk.compiled.spec.id)}
    return purpose, session if session in codes else None


def _columns(desk: ManageDesk, purpose: Any) -> list[tuple[str, str]]:
    fields = desk.compiled.fields
    return [
        (fid, desk.text(getattr(fields.get(fid), "label", None)) or fid) for fid in purpose.shares
    ]


@router.get("/consentements", response_class=HTMLResponse)
def consent_lists(desk: ManageDesk, objet: Choice = "", session: Choice = "") -> HTMLResponse:
    words = _words(desk)
    purpose, code = _chosen(desk, objet, session)
    found = None
    problem = ""
    if objet or session:
        if purpose is None or code is None:
            problem = words["unknown"]
        else:
            service = RequestService(desk.db, desk.runtime)
            found = agreements(service, desk.compiled, purpose, code, desk.locale)
    columns = _columns(desk, purpose) if purpose is not None else []
    return desk.page(
        "backoffice/consents.html",
        status=400 if problem else 200,
        title=words["title"],
        texts=words,
        purposes=[(p.id, desk.text(p.label)) for p in desk.compiled.spec.consents],
        sessions=session_choices(desk.db, desk.compiled.spec.id),
        chosen={"purpose": objet, "session": session},
        problem=problem,
        columns=[label for _, label in columns],
        rows=[
            [
                a.reference or "",
                *[a.shared.get(fid, "") for fid, _ in columns],
                a.version,
                local_moment(desk, a.at),
            ]
            for a in (found or [])
        ],
        shown=found is not None,
        count=words["count"].format(n=len(found or [])),
        csv_href=f"{desk.base}/consentements.csv?{urlencode({'objet': objet, 'session': session})}",
    )


@router.get("/consentements.csv")
def consent_list_csv(desk: ManageDesk, objet: Choice = "", session: Choice = "") -> Response:
    words = _words(desk)
    purpose, code = _chosen(desk, objet, session)
    if purpose is None or code is None:
        return Response(words["unknown"], status_code=400, media_type="text/plain; charset=utf-8")
    service = RequestService(desk.db, desk.runtime)
    columns = _columns(desk, purpose)
    header = [words["reference"], *[label for _, label in columns], words["version"], words["at"]]
    lines = [header] + [
        [
            neutralise(a.reference or ""),
            *[neutralise(a.shared.get(fid, "")) for fid, _ in columns],
            a.version,
            a.at.isoformat(),
        ]
        for a in agreements(service, desk.compiled, purpose, code, desk.locale)
    ]
    name = f"consentement-{purpose.id}-{code}.csv"
    return Response(
        as_csv(iter(lines)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
