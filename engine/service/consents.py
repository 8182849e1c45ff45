"""Consents, per purpose and training session: the people who agreed, with the answers they
agreed to share (the guide's list of participants for car-sharing, given to the session's
participants). Answers are recorded at submission (`consent_records`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.workflow import ConsentPurpose
from ..store.models import ConsentRecord, RequestRow, TrainingSession
from ..wizard.display import display_answers
from .requests import RequestService


@dataclass(frozen=True, slots=True)
class Agreement:
    reference: str | None
    state: str
    version: str
    at: datetime
    shared: dict[str, str]  # field id: the answer as shown


def purpose_of(compiled: CompiledWorkflow, purpose_id: str) -> ConsentPurpose | None:
    return next((p for p in compiled.spec.consents if p.id == purpose_id), None)


def agreements(
    service: RequestService,
    compiled: CompiledWorkflow,
    purpose: ConsentPurpose,
    session_code: str,
    locale: str,
) -> list[Agreement]:
    """The people of the session who agreed to the purpose, by reference: those whose request
    holds a seat (the session's participants), whose data is not erased, and whose last answer
    to the purpose is yes."""
    holding = [s.id for s in compiled.spec.process.states if s.holds_seat]
    rows = service.db.execute(
        select(RequestRow, ConsentRecord)
        .join(ConsentRecord, ConsentRecord.request_id == RequestRow.id)
        .where(
            RequestRow.workflow_id == compiled.spec.id,
            RequestRow.session_code == session_code,
            RequestRow.state.in_(holding),
            RequestRow.anonymised_at.is_(None),
            ConsentRecord.purpose == purpose.id,
        )
        .order_by(RequestRow.reference, ConsentRecord.id)
    ).all()
    latest: dict[int, tuple[RequestRow, ConsentRecord]] = {}
    for request, record in rows:
        latest[request.id] = (request, record)
    found = []
    for request, record in latest.values():
        if not record.granted:
            continue
        request_compiled = service.compiled_for(request)
        display = display_answers(
            request_compiled.fields,
            request.answers,
            locale,
            request_compiled.spec.locale,
            service.entries(request_compiled, request.answers),
        )
        found.append(
            Agreement(
                request.reference,
                request.state,
                record.version,
                record.at,
                {fid: str(display.get(fid, "") or "") for fid in purpose.shares},
            )
        )
    return found


def session_choices(db: Session, workflow_id: str) -> list[tuple[str, str]]:
    """(code, title) of the workflow's training sessions, the latest first."""
    rows = db.execute(
        select(TrainingSession.code, TrainingSession.title)
        .where(TrainingSession.workflow_id == workflow_id)
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.code)
    ).all()
    return [(code, title) for code, title in rows]
