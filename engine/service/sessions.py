"""Training sessions as the wizard, conditions and mails see them: dates written out in the
workflow's language, seats taken by requests in the states that hold one."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.fields import SessionField
from ..store.models import RequestRow, SessionChangeNotice, TrainingSession
from ..translations import N_, translate
from .transaction import lock_training_session, writing

_PATTERN = "EEEE d MMMM y, HH:mm"
_RANGE = N_("From {start} to {end}")


def format_moment(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    return format_datetime(moment, _PATTERN, tzinfo=zone, locale=locale)


@lru_cache(maxsize=1024)
def format_dates(start: datetime, end: datetime, zone: ZoneInfo, locale: str) -> str:
    """ "Du vendredi 2 octobre 2026, 11:00 au vendredi 2 octobre 2026, 12:15"."""
    return translate(
        locale,
        _RANGE,
        start=format_moment(start, zone, locale),
        end=format_moment(end, zone, locale),
    )


def closing_delay(compiled: CompiledWorkflow, settings: dict[str, Any] | None) -> timedelta:
    """How long before its start a session without a closing date of its own stops taking
    registrations: the session field's `closes_before_start` (none: at the start)."""
    field = next((f for f in compiled.fields.values() if isinstance(f, SessionField)), None)
    if field is None or field.closes_before_start is None:
        return timedelta(0)
    return compiled.duration(field.closes_before_start, settings) or timedelta(0)


def registration_closes_at(session: TrainingSession | Row[Any], delay: timedelta) -> datetime:
    """When the session stops taking registrations: its own date, or `delay` before its start;
    never after its start."""
    own = session.registration_closes_at
    closes = own if own is not None else session.starts_at - delay
    return min(closes, session.starts_at)


def takes_registrations(
    session: TrainingSession | Row[Any], now: datetime, delay: timedelta
) -> bool:
    """Open (an operator may close it at any time) and before its closing moment."""
    return bool(session.is_open) and now < registration_closes_at(session, delay)


def seat_states(compiled: CompiledWorkflow) -> list[str]:
    return [s.id for s in compiled.spec.process.states if s.holds_seat]


# Built once: these run on every page, and building a statement costs more than running it.
_SEATS = select(func.count(RequestRow.id)).where(
    RequestRow.workflow_id == bindparam("workflow_id"),
    RequestRow.session_code == bindparam("code"),
    RequestRow.state.in_(bindparam("states", expanding=True)),
)
_SESSION = select(TrainingSession).where(
    TrainingSession.workflow_id == bindparam("workflow_id"),
    TrainingSession.code == bindparam("code"),
)
# The same, as a plain row (no ORM object to build): for pages that only read it.
_SESSION_RECORD = select(*TrainingSession.__table__.columns).where(
    TrainingSession.workflow_id == bindparam("workflow_id"),
    TrainingSession.code == bindparam("code"),
)


def seats_taken(db: Session, compiled: CompiledWorkflow, code: str) -> int:
    states = seat_states(compiled)
    if not states:
        return 0
    found = db.execute(_SEATS, {"workflow_id": compiled.spec.id, "code": code, "states": states})
    return int(found.scalar_one())


def find_session(db: Session, workflow_id: str, code: str) -> TrainingSession | None:
    found = db.execute(_SESSION, {"workflow_id": workflow_id, "code": code})
    return found.scalar_one_or_none()


# A session and the seats its requests take, in one statement (every wizard page shows both).
_SESSION_WITH_SEATS = select(
    *TrainingSession.__table__.columns,
    select(func.count(RequestRow.id))
    .where(
        RequestRow.workflow_id == TrainingSession.workflow_id,
        RequestRow.session_code == TrainingSession.code,
        RequestRow.state.in_(bindparam("states", expanding=True)),
    )
    .scalar_subquery()
    .label("seats_taken"),
).where(
    TrainingSession.workflow_id == bindparam("workflow_id"),
    TrainingSession.code == bindparam("code"),
)


def session_with_seats(
    db: Session, compiled: CompiledWorkflow, code: str
) -> tuple[Row[Any], int] | None:
    # An empty IN list is valid for SQLAlchemy's expanding parameters (it matches nothing).
    params = {"workflow_id": compiled.spec.id, "code": code, "states": seat_states(compiled)}
    row = db.execute(_SESSION_WITH_SEATS, params).first()
    return None if row is None else (row, int(row.seats_taken))


def session_record(db: Session, workflow_id: str, code: str) -> Row[Any] | None:
    """A read-only row with the attributes of TrainingSession."""
    return db.execute(_SESSION_RECORD, {"workflow_id": workflow_id, "code": code}).first()


def open_sessions(
    db: Session, workflow_id: str, now: datetime, delay: timedelta
) -> list[TrainingSession]:
    """The sessions that take registrations now, by start."""
    query = select(TrainingSession).where(
        TrainingSession.is_open.is_(True),
        TrainingSession.workflow_id == workflow_id,
        TrainingSession.starts_at > now,
    )
    found = db.execute(query.order_by(TrainingSession.starts_at)).scalars()
    return [s for s in found if takes_registrations(s, now, delay)]


def session_view(
    session: TrainingSession | Row[Any], zone: ZoneInfo, locale: str, taken: int
) -> dict[str, Any]:
    """The `session` mapping of conditions and templates (names listed in check/scope.py)."""
    return {
        "code": session.code,
        "title": session.title,
        "starts_at": session.starts_at.astimezone(zone).isoformat(),
        "ends_at": session.ends_at.astimezone(zone).isoformat(),
        "dates": format_dates(session.starts_at, session.ends_at, zone, locale),
        "place": session.place,
        "capacity": session.capacity,
        "seats_taken": taken,
        "seats_left": max(session.capacity - taken, 0),
        "is_open": session.is_open,
        "registration_closes_at": None
        if session.registration_closes_at is None
        else session.registration_closes_at.astimezone(zone).isoformat(),
    }


# -- use cases: each writes in a short transaction of its own --------------------------------


def add_session(db: Session, workflow_id: str, values: dict[str, Any]) -> TrainingSession:
    """A new training session, open to registrations. IntegrityError when the code is taken."""
    with writing(db):
        session = TrainingSession(workflow_id=workflow_id, is_open=True, **values)
        db.add(session)
    return session


# What a participant is told of when it changes (`session_changed`): where and when.
WATCHED = ("starts_at", "ends_at", "place")


def update_session(
    db: Session,
    compiled: CompiledWorkflow,
    session: TrainingSession,
    values: dict[str, Any],
    now: datetime,
) -> int:
    """Writes the session's new values in a transaction of its own (see `change_session`).
    Returns how many participants are to be told of the change."""
    with writing(db):
        return change_session(db, compiled, session, values, now)


def change_session(
    db: Session,
    compiled: CompiledWorkflow,
    session: TrainingSession,
    values: dict[str, Any],
    now: datetime,
) -> int:
    """Inside a write transaction: sets the session's new values. When its dates or place
    change, its revision goes up (the SEQUENCE of its calendar events) and every request
    holding a seat in it then is noted, in the same transaction, to be told by the worker
    (`session_changed`). Under the session's row lock, like the firings that give its seats: a
    request is either counted among the seat holders or confirmed after the change. Every way
    of changing a session (its page, the API, a CSV import, the learning platform's courses)
    goes through here, so that no participant misses an update. Returns how many are told."""
    lock_training_session(db, compiled.spec.id, session.code)
    db.refresh(session)
    changed = any(name in values and values[name] != getattr(session, name) for name in WATCHED)
    for name, value in values.items():
        setattr(session, name, value)
    if not changed:
        return 0
    session.revision = (session.revision or 0) + 1
    holders = db.execute(
        select(RequestRow.id).where(
            RequestRow.workflow_id == compiled.spec.id,
            RequestRow.session_code == session.code,
            RequestRow.state.in_(seat_states(compiled)),
            RequestRow.submitted_at.is_not(None),
        )
    ).scalars()
    told = 0
    for request_id in holders:
        db.add(
            SessionChangeNotice(
                request_id=request_id,
                workflow_id=compiled.spec.id,
                session_code=session.code,
                revision=session.revision,
                created_at=now,
            )
        )
        told += 1
    return told


def set_session_open(db: Session, session: TrainingSession, is_open: bool) -> None:
    with writing(db):
        session.is_open = is_open
