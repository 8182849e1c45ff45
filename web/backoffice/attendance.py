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
from engine.translations import N_, Phrasebook

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

WORDS = Phrasebook(
    {
        "title": N_("Attendance"),
        "intro": N_(
            "The attendance of participants (the requests that hold a seat) per "
            "half-day of the session: tick the half-days each one was there, then "
            "save. An unticked box records an absence."
        ),
        "sessions_caption": N_("Sessions"),
        "session": N_("Session"),
        "dates": N_("Dates"),
        "half_days": N_("Half-days"),
        "participants": N_("Participants"),
        "open_grid": N_("Record attendance"),
        "no_sessions": N_("No session."),
        "grid_title": N_("Attendance — session {code}"),
        "participant": N_("Participant"),
        "reference": N_("Reference"),
        "save": N_("Save the attendance"),
        "saved": N_("Attendance saved ({n} box(es) changed)."),
        "no_half_days": N_("The dates of this session give no half-day."),
        "no_participants": N_("No request holds a seat in this session."),
        "present_in": N_("{name} present on {half_day}"),
        "refused": N_(
            "The grid sent names a participant or a half-day this session does not "
            "have: reload the page and try again."
        ),
        "malformed": N_("The grid sent cannot be read: reload the page and try again."),
        "expired": N_("The form expired: reload the page and try again."),
        "unknown_session": N_("This session does not exist (or no longer does)."),
        "unknown_document": N_("This session document does not exist."),
        "document_failed": N_("The document could not be made: {error}"),
        "documents": N_("Session documents"),
        "download": N_("{title} (PDF)"),
        "back": N_("All sessions"),
    }
)


def _words(desk: Desk) -> dict[str, str]:
    return WORDS.words(desk.locale)


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
        name = " ".join(part for part in (p.first_name, p.last_name) if part) or (p.reference or "")
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
