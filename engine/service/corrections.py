"""The steps of a request sent back to its applicant (`reopen`), as stored: opened in the
firing's transaction, read by the mailed link's page and by the backoffice's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actions.effects import Reopen
from ..store.models import AnswerCorrection, RequestRow


def open_correction(
    db: Session,
    request: RequestRow,
    reopening: Reopen,
    *,
    comment: str | None,
    opened_by: str,
    now: datetime,
) -> AnswerCorrection:
    """Written in the firing's transaction. A reopening still open is closed, replaced by this
    one: the applicant corrects what the last mail asked for."""
    for earlier in db.execute(
        select(AnswerCorrection).where(
            AnswerCorrection.request_id == request.id, AnswerCorrection.closed_at.is_(None)
        )
    ).scalars():
        earlier.closed_at = now
        earlier.superseded = True
    correction = AnswerCorrection(
        request_id=request.id,
        steps=list(reopening.steps),
        resubmit=reopening.resubmit,
        comment=comment,
        opened_by=opened_by,
        opened_at=now,
    )
    db.add(correction)
    return correction


def open_correction_of(db: Session, request_id: int) -> AnswerCorrection | None:
    """The reopening the applicant has yet to answer, if any."""
    return db.execute(
        select(AnswerCorrection)
        .where(AnswerCorrection.request_id == request_id, AnswerCorrection.closed_at.is_(None))
        .order_by(AnswerCorrection.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def corrections_of(db: Session, request_id: int) -> list[AnswerCorrection]:
    """Every reopening of a request, oldest first."""
    return list(
        db.execute(
            select(AnswerCorrection)
            .where(AnswerCorrection.request_id == request_id)
            .order_by(AnswerCorrection.id)
        ).scalars()
    )
