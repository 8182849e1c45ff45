"""Attendance per half-day of a training session: the grid operators fill (participants in rows,
half-days in columns), saved in one transaction; the session's documents (`of: session`, the
attendance sheet) made from it; a request's document made on an operator's demand.

The participants of a session are its requests in a state that holds a seat, whose data is not
erased. What an operator saves is checked against them and against the session's half-days
inside the write transaction, under the session's row lock, so that two operators saving the
grid at once each see the other's marks, and a request that lost its seat meanwhile is left out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select

from ..compiled import CompiledWorkflow
from ..half_days import HalfDay, half_days
from ..store.models import AttendanceMark, DocumentRow, HistoryRow, RequestRow, TrainingSession
from .attendance_marks import marks_of
from .effects import render_document
from .requests import RequestService
from .sessions import find_session, seat_states, session_view
from .transaction import lock_training_session, writing

# The history's `transition` of a document an operator made (no state changes).
DOCUMENT_MADE = "document"


class UnknownSession(Exception):
    """No training session of the workflow has that code."""


class GridRefused(Exception):
    """The posted grid names a participant or a half-day the session does not have."""


class NotASessionDocument(Exception):
    """The workflow declares no training session's document with that id."""


class NotARequestDocument(Exception):
    """The request's workflow declares no request's document with that id."""


class DocumentFailed(Exception):
    """A layout's text could not be rendered; the message says which."""


@dataclass(frozen=True, slots=True)
class Participant:
    request_id: int
    public_id: str
    reference: str | None
    first_name: str
    last_name: str
    email: str
    state: str
    marks: dict[str, bool]  # half-day key: present (missing: not recorded)


@dataclass(frozen=True, slots=True)
class AttendanceGrid:
    session: TrainingSession
    half_days: list[HalfDay]
    participants: list[Participant]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _participants(
    service: RequestService, compiled: CompiledWorkflow, code: str
) -> list[tuple[RequestRow, CompiledWorkflow]]:
    rows = service.db.execute(
        select(RequestRow).where(
            RequestRow.workflow_id == compiled.spec.id,
            RequestRow.session_code == code,
            RequestRow.state.in_(seat_states(compiled)),
            RequestRow.anonymised_at.is_(None),
        )
    ).scalars()
    return [(row, service.compiled_for(row)) for row in rows]


def attendance_grid(
    service: RequestService, compiled: CompiledWorkflow, code: str
) -> AttendanceGrid:
    """The session's half-days and its participants with what was recorded, by last name."""
    session = find_session(service.db, compiled.spec.id, code)
    if session is None:
        raise UnknownSession(code)
    days = half_days(session.starts_at, session.ends_at, service.runtime.zone)
    found = _participants(service, compiled, code)
    marks = marks_of(service.db, [row.id for row, _ in found])
    people = []
    for row, version in found:
        applicant = version.spec.applicant
        answers = row.answers or {}
        people.append(
            Participant(
                request_id=row.id,
                public_id=row.public_id,
                reference=row.reference,
                first_name=_text(answers.get(applicant.first_name or "")),
                last_name=_text(answers.get(applicant.last_name or "")),
                email=_text(answers.get(applicant.email)),
                state=row.state,
                marks=marks[row.id],
            )
        )
    people.sort(key=lambda p: (p.last_name.casefold(), p.first_name.casefold(), p.reference or ""))
    return AttendanceGrid(session, days, people)


def record_attendance(
    service: RequestService,
    compiled: CompiledWorkflow,
    code: str,
    *,
    shown: Iterable[str],
    present: Iterable[tuple[str, str]],
    by: str,
) -> int:
    """Saves a grid in one transaction: for each participant `shown` (by public id), each
    half-day is present when (public id, half-day key) is in `present`, absent otherwise.
    Returns how many marks changed. Raises GridRefused when the grid names a half-day the
    session does not have or a request that is not in it; a request shown that lost its seat
    since the grid was read is left as it was."""
    shown = list(dict.fromkeys(shown))
    present = set(present)
    db = service.db
    session = find_session(db, compiled.spec.id, code)
    if session is None:
        raise UnknownSession(code)
    keys = {day.key for day in half_days(session.starts_at, session.ends_at, service.runtime.zone)}
    if any(key not in keys for _, key in present):
        raise GridRefused("half-day")
    if any(public_id not in shown for public_id, _ in present):
        raise GridRefused("participant")
    now = service.runtime.now()
    changed = 0
    with writing(db):
        lock_training_session(db, compiled.spec.id, code)
        rows = {
            row.public_id: row
            for row in db.execute(
                select(RequestRow).where(
                    RequestRow.workflow_id == compiled.spec.id,
                    RequestRow.public_id.in_(shown),
                )
            ).scalars()
        }
        if any(rows.get(public_id) is None for public_id in shown) or any(
            row.session_code != code for row in rows.values()
        ):
            raise GridRefused("participant")
        holding = set(seat_states(compiled))
        seated = [
            row for row in rows.values() if row.state in holding and row.anonymised_at is None
        ]
        existing = {
            (mark.request_id, mark.half_day): mark
            for mark in db.execute(
                select(AttendanceMark).where(
                    AttendanceMark.request_id.in_([row.id for row in seated])
                )
            ).scalars()
        }
        for row in seated:
            for key in sorted(keys):
                value = (row.public_id, key) in present
                mark = existing.get((row.id, key))
                if mark is None:
                    db.add(
                        AttendanceMark(
                            request_id=row.id,
                            half_day=key,
                            present=value,
                            recorded_by=by,
                            recorded_at=now,
                        )
                    )
                    changed += 1
                elif mark.present != value:
                    mark.present = value
                    mark.recorded_by = by
                    mark.recorded_at = now
                    changed += 1
    return changed


@dataclass(frozen=True, slots=True)
class MadeDocument:
    filename: str
    content: bytes


def session_document(
    service: RequestService,
    compiled: CompiledWorkflow,
    document_id: str,
    code: str,
    locale: str,
) -> MadeDocument:
    """A training session's document (`of: session`), made now and not stored: the session,
    its half-days and its participants with their attendance."""
    # fpdf2 is imported when a document is first made (see effects.render_document).
    from ..delivery.pdf import DocumentError, render_context_document

    document = compiled.documents.get(document_id)
    if document is None or document.of != "session":
        raise NotASessionDocument(document_id)
    grid = attendance_grid(service, compiled, code)
    session = grid.session
    zone = service.runtime.zone
    seats = len(grid.participants)
    view = session_view(session, zone, locale, seats)
    states = compiled.states
    participants = [
        {
            "reference": p.reference,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "state": p.state,
            "state_label": compiled.text(states[p.state].label, locale)
            if p.state in states
            else p.state,
            "present": sum(1 for v in p.marks.values() if v),
            "absent": sum(1 for v in p.marks.values() if not v),
        }
        for p in grid.participants
    ]
    context = compiled.session_template_context(
        view,
        [day.view(locale) for day in grid.half_days],
        participants,
        service.settings_of(compiled),
        locale,
    )
    try:
        filename = " ".join(compiled.render_string(document.filename, context).split())
        content = render_context_document(
            compiled,
            document.layout or "",
            context,
            locale=locale,
            created_at=service.runtime.now(),
        )
    except (DocumentError, TemplateError) as error:
        raise DocumentFailed(str(error)) from error
    return MadeDocument(filename or f"{document_id}-{code}.pdf", content)


def make_request_document(
    service: RequestService, row: RequestRow, document_id: str, by: str, role: str | None
) -> DocumentRow:
    """A request's document made now on an operator's demand (a certificate before its mail,
    one made again after the attendance was corrected), stored with the request like those
    transitions make, and written in its history."""
    compiled = service.compiled_for(row)
    document = compiled.documents.get(document_id)
    if document is None or document.of != "request" or document.kind != "pdf":
        raise NotARequestDocument(document_id)
    snapshot = service.snapshot(row, compiled)
    context = compiled.template_context(snapshot)
    now: datetime = service.runtime.now()
    from ..delivery.pdf import DocumentError  # with fpdf2, once a document is made

    try:
        prepared = render_document(compiled, document_id, snapshot, context, now)
    except (DocumentError, TemplateError) as error:
        raise DocumentFailed(str(error)) from error
    with writing(service.db):
        stored = DocumentRow(
            request_id=row.id,
            document_id=document_id,
            filename=prepared.filename,
            content=prepared.content,
            created_at=now,
        )
        service.db.add(stored)
        service.db.add(
            HistoryRow(
                request_id=row.id,
                transition=DOCUMENT_MADE,
                from_state=row.state,
                to_state=row.state,
                actor_kind="user",
                actor_name=by,
                role=role,
                comment=compiled.text(document.title, row.locale)
                if document.title
                else document_id,
                at=now,
            )
        )
    return stored


def request_documents(compiled: CompiledWorkflow) -> Mapping[str, str]:
    """The request's documents an operator may make, by id: their titles."""
    return {
        d.id: compiled.text(d.title) if d.title else d.id
        for d in compiled.spec.documents
        if d.of == "request" and d.kind == "pdf"
    }
