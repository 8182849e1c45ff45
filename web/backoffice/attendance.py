"""Backoffice: attendance per half-day. The sessions with their participants; a session's grid
(participants in rows, half-days in columns, a box per half-day ticked when the participant
was there), saved in one transaction; the session's documents (the attendance sheet) as PDF.
Recording attendance is an operator's work: the process level reaches these pages."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from engine.service.attendance import (
    DocumentFailed,
    GridRefused,
    NotASessionDocument,
    UnknownSession,
    attendance_grid,
    record_attendance,
    session_document,
)
from engine.service.requests import RequestService
from engine.service.sessions import format_dates
from engine.store.models import TrainingSession

from ..deps import form_of
from ..params import SessionCode, SpecId
from .access import Desk, ProcessDesk
from .manage_pages import flash, redirect, take_flash

router = APIRouter(prefix="/backoffice/{workflow_id}")

# A grid of a session: a box per participant and half-day, and each participant's id.
MAX_GRID_FIELDS = 20_000
GridForm = Annotated[FormData, Depends(form_of(max_fields=MAX_GRID_FIELDS))]
_PUBLIC_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
_MARK = re.compile(r"^(?P<id>[A-Za-z0-9-]{1,36})\|(?P<key>\d{4}-\d{2}-\d{2}:(?:am|pm))$")

WORDS = {
    "fr": {
        "title": "Présence",
        "intro": (
            "La présence des participants (les demandes qui ont une place) par demi-journée "
            "de session : cochez les demi-journées où chacun était là, puis enregistrez. "
            "Une case décochée enregistre une absence."
        ),
        "sessions_caption": "Sessions",
        "session": "Session",
        "dates": "Dates",
        "half_days": "Demi-journées",
        "participants": "Participants",
        "open_grid": "Saisir la présence",
        "no_sessions": "Aucune session.",
        "grid_title": "Présence — session {code}",
        "participant": "Participant",
        "reference": "Référence",
        "save": "Enregistrer la présence",
        "saved": "Présence enregistrée ({n} case(s) modifiée(s)).",
        "no_half_days": "Les dates de cette session ne donnent aucune demi-journée.",
        "no_participants": "Aucune demande n'a de place dans cette session.",
        "present_in": "{name} présent·e le {half_day}",
        "refused": (
            "La grille envoyée nomme un participant ou une demi-journée que cette session "
            "n'a pas : rechargez la page et recommencez."
        ),
        "malformed": "La grille envoyée est illisible : rechargez la page et recommencez.",
        "expired": "Le formulaire a expiré : rechargez la page et recommencez.",
        "unknown_session": "Cette session n'existe pas (ou plus).",
        "unknown_document": "Ce document de session n'existe pas.",
        "document_failed": "Le document n'a pas pu être fait : {error}",
        "documents": "Documents de la session",
        "download": "{title} (PDF)",
        "back": "Toutes les sessions",
    },
}


def _words(desk: Desk) -> dict[str, str]:
    return WORDS.get(desk.locale, WORDS["fr"])


def _documents(desk: Desk, code: str) -> list[dict[str, str]]:
    return [
        {
            "title": _words(desk)["download"].format(title=desk.text(d.title) or d.id),
            "href": f"{desk.base}/presence/{quote(code, safe='')}/documents/{d.id}",
        }
        for d in desk.compiled.spec.documents
        if d.of == "session"
    ]


@router.get("/presence", response_class=HTMLResponse)
def attendance_sessions(desk: ProcessDesk) -> HTMLResponse:
    zone = desk.runtime.zone
    rows = [
        {
            "code": s.code,
            "title": s.title,
            "dates": format_dates(s.starts_at, s.ends_at, zone, desk.locale),
            "href": f"{desk.base}/presence/{quote(s.code, safe='')}",
        }
        for s in desk.db.execute(
            select(TrainingSession)
            .where(TrainingSession.workflow_id == desk.compiled.spec.id)
            .order_by(TrainingSession.starts_at.desc(), TrainingSession.code)
        ).scalars()
    ]
    return desk.page(
        "backoffice/attendance_sessions.html",
        title=_words(desk)["title"],
        texts=_words(desk),
        sessions=rows,
    )


def _grid_page(desk: Desk, code: str, *, status: int = 200, problem: str = "") -> HTMLResponse:
    words = _words(desk)
    service = RequestService(desk.db, desk.runtime)
    try:
        grid = attendance_grid(service, desk.compiled, code)
    except UnknownSession:
        return desk.page(
            "backoffice/attendance.html",
            status=404,
            title=words["unknown_session"],
            texts=words,
            missing=True,
            back=f"{desk.base}/presence",
        )
    days = [{"key": d.key, "label": d.label(desk.locale)} for d in grid.half_days]
    people: list[dict[str, Any]] = []
    for p in grid.participants:
        name = " ".join(part for part in (p.first_name, p.last_name) if part) or (
            p.reference or ""
        )
        key = p.reference or p.public_id
        people.append(
            {
                "id": p.public_id,
                "name": name,
                "reference": p.reference or "",
                "href": f"{desk.base}/demandes/{quote(key, safe='')}",
                "cells": [
                    {
                        "value": f"{p.public_id}|{d['key']}",
                        "checked": p.marks.get(d["key"]) is True,
                        "absent": p.marks.get(d["key"]) is False,
                        "label": words["present_in"].format(name=name, half_day=d["label"]),
                    }
                    for d in days
                ],
            }
        )
    session = grid.session
    return desk.page(
        "backoffice/attendance.html",
        status=status,
        title=words["grid_title"].format(code=session.code),
        texts=words,
        session={
            "code": session.code,
            "title": session.title,
            "dates": format_dates(
                session.starts_at, session.ends_at, desk.runtime.zone, desk.locale
            ),
        },
        half_days=days,
        participants=people,
        documents=_documents(desk, session.code),
        action=f"{desk.base}/presence/{quote(session.code, safe='')}",
        problem=problem,
        flash=take_flash(desk),
        back=f"{desk.base}/presence",
    )


@router.get("/presence/{code}", response_class=HTMLResponse)
def attendance_page(desk: ProcessDesk, code: SessionCode) -> HTMLResponse:
    return _grid_page(desk, code)


@router.post("/presence/{code}", response_class=HTMLResponse)
def save_attendance(desk: ProcessDesk, code: SessionCode, form: GridForm) -> Response:
    words = _words(desk)
    if not desk.csrf_ok(form):
        return _grid_page(desk, code, status=403, problem=words["expired"])
    shown = [v for v in form.getlist("participant") if isinstance(v, str)]
    marks = [v for v in form.getlist("present") if isinstance(v, str)]
    parsed = [_MARK.match(v) for v in marks]
    if not all(_PUBLIC_ID.match(v) for v in shown) or not all(parsed):
        return _grid_page(desk, code, status=400, problem=words["malformed"])
    service = RequestService(desk.db, desk.runtime)
    try:
        changed = record_attendance(
            service,
            desk.compiled,
            code,
            shown=shown,
            present=[(m["id"], m["key"]) for m in parsed if m is not None],
            by=desk.staff.account.email,
        )
    except UnknownSession:
        return _grid_page(desk, code)
    except GridRefused:
        return _grid_page(desk, code, status=400, problem=words["refused"])
    flash(desk, words["saved"].format(n=changed))
    return redirect(f"{desk.base}/presence/{quote(code, safe='')}")


@router.get("/presence/{code}/documents/{document_id}", response_model=None)
def session_pdf(desk: ProcessDesk, code: SessionCode, document_id: SpecId) -> Response:
    words = _words(desk)
    service = RequestService(desk.db, desk.runtime)
    try:
        made = session_document(service, desk.compiled, document_id, code, desk.locale)
    except UnknownSession:
        return Response(
            words["unknown_session"], status_code=404, media_type="text/plain; charset=utf-8"
        )
    except NotASessionDocument:
        return Response(
            words["unknown_document"], status_code=404, media_type="text/plain; charset=utf-8"
        )
    except DocumentFailed as error:
        return Response(
            words["document_failed"].format(error=error),
            status_code=422,
            media_type="text/plain; charset=utf-8",
        )
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", made.filename) or "document.pdf"
    return Response(
        made.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(made.filename)}"
            ),
            "Cache-Control": "no-store",
        },
    )
