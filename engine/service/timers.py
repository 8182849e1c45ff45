"""Timers declared in the spec, fired by the worker through the same path as a click (history,
outbox, in one transaction):

- `by: {timer: <delay>}`: a request that has stayed long enough in a transition's `from` state,
  once per stay;
- `by: {timer: {before: session.starts_at, delay: 7d}}` (or `after:`, or another date of
  `TIMER_DATES`): a request in a `from` state once that moment has come, once per request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..compiled import CompiledWorkflow
from ..delivery.metrics import TIMERS_FIRED
from ..process.actors import Actor
from ..process.firing import FireError
from ..spec.process import ByTimer, DatedTimer
from ..store.models import HistoryRow, RequestRow, TrainingSession
from .context import Runtime
from .requests import Conflict, RequestService
from .settings_store import overrides

log = logging.getLogger("onboarding.timers")


@dataclass(frozen=True, slots=True)
class TimerCandidate:
    request_id: int
    transition: str


def _timer_transitions(compiled: CompiledWorkflow) -> list[tuple[str, str, ByTimer]]:
    return [
        (state, t.id, t.by)
        for t in compiled.spec.process.transitions
        if isinstance(t.by, ByTimer)
        for state in t.source
    ]


def _dated_column(date: str) -> Any:
    return {
        "session.starts_at": TrainingSession.starts_at,
        "session.ends_at": TrainingSession.ends_at,
        "request.submitted_at": RequestRow.submitted_at,
    }[date]


def due_timers(db: Session, runtime: Runtime, now: datetime) -> list[TimerCandidate]:
    """Requests whose stay in a state has reached a timer's delay, and for which that timer
    has not fired since they entered the state; and requests in a timer's state whose dated
    moment has come, for which that timer has never fired."""
    found: list[TimerCandidate] = []
    versions = db.execute(select(RequestRow.workflow_id, RequestRow.spec_hash).distinct()).all()
    for workflow_id, spec_hash in versions:
        compiled = runtime.registry.version(db, spec_hash)
        settings = overrides(db, workflow_id)
        for state, transition_id, by in _timer_transitions(compiled):
            if isinstance(by.timer, DatedTimer):
                found.extend(
                    _due_dated(db, compiled, spec_hash, state, transition_id, by.timer, now)
                )
                continue
            delay = compiled.duration(by.timer, settings)
            if delay is None:
                continue
            fired_since_entry = (
                select(HistoryRow.id)
                .where(
                    HistoryRow.request_id == RequestRow.id,
                    HistoryRow.transition == transition_id,
                    HistoryRow.at >= RequestRow.state_entered_at,
                )
                .exists()
            )
            rows = db.execute(
                select(RequestRow.id).where(
                    RequestRow.spec_hash == spec_hash,
                    RequestRow.state == state,
                    RequestRow.submitted_at.is_not(None),
                    RequestRow.state_entered_at <= now - delay,
                    ~fired_since_entry,
                )
            ).scalars()
            found.extend(TimerCandidate(request_id, transition_id) for request_id in rows)
    return found


def _due_dated(
    db: Session,
    compiled: CompiledWorkflow,
    spec_hash: str,
    state: str,
    transition_id: str,
    timer: DatedTimer,
    now: datetime,
) -> list[TimerCandidate]:
    """A dated timer is due once `date - delay` (before) or `date + delay` (after) has come:
    compared as `date <= now + delay` or `date <= now - delay`, with no date arithmetic in SQL.
    It fires once per request, whatever states the request goes through."""
    delay = compiled.duration(timer.delay, overrides(db, compiled.spec.id))
    if delay is None or timer.date is None:
        return []
    column = _dated_column(timer.date)
    limit = now + delay if timer.before is not None else now - delay
    fired_ever = (
        select(HistoryRow.id)
        .where(HistoryRow.request_id == RequestRow.id, HistoryRow.transition == transition_id)
        .exists()
    )
    query = select(RequestRow.id).where(
        RequestRow.spec_hash == spec_hash,
        RequestRow.state == state,
        RequestRow.submitted_at.is_not(None),
        column <= limit,
        ~fired_ever,
    )
    if timer.date.startswith("session."):
        query = query.join(
            TrainingSession,
            (TrainingSession.workflow_id == RequestRow.workflow_id)
            & (TrainingSession.code == RequestRow.session_code),
        )
    return [TimerCandidate(request_id, transition_id) for request_id in db.execute(query).scalars()]


def fire_due_timers(
    runtime: Runtime, sessions: sessionmaker[Session], now: Callable[[], datetime]
) -> int:
    """Fires every due timer, each as a use case of its own (which writes in its own short
    transaction); returns how many fired."""
    with sessions() as db:
        candidates = due_timers(db, runtime, now())
    fired = 0
    for candidate in candidates:
        with sessions() as db:
            service = RequestService(db, runtime)
            row = db.get(RequestRow, candidate.request_id)
            if row is None:
                continue
            compiled = service.compiled_for(row)
            try:
                service.fire(row, compiled, candidate.transition, Actor.timer())
                fired += 1
                TIMERS_FIRED.inc()
            except FireError as error:
                # A condition that does not hold (yet): the timer is tried again next round.
                log.info(
                    "timer %s on request %s not fired: %s", candidate.transition, row.id, error
                )
            except Conflict:
                pass  # someone acted on the request meanwhile: look again next round
    return fired


def pending_timers(
    db: Session, runtime: Runtime, row: RequestRow, compiled: CompiledWorkflow
) -> list[tuple[str, datetime]]:
    """The timers that will fire on the request if nothing happens first: (transition, when),
    soonest first. Shown to operators (an offer's deadline, a reminder's day)."""
    if row.submitted_at is None:
        return []
    settings = overrides(db, row.workflow_id)
    found = []
    for state, transition_id, by in _timer_transitions(compiled):
        if state != row.state:
            continue
        timer = by.timer
        delay = compiled.duration(timer if isinstance(timer, str) else timer.delay, settings)
        if delay is None:
            continue
        history = select(HistoryRow.id).where(
            HistoryRow.request_id == row.id, HistoryRow.transition == transition_id
        )
        if isinstance(timer, str):
            history = history.where(HistoryRow.at >= row.state_entered_at)
            due: datetime | None = row.state_entered_at + delay
        else:
            date = _date_of(db, row, timer.date or "")
            due = None if date is None else date - delay if timer.before else date + delay
        if due is not None and db.execute(history).first() is None:
            found.append((transition_id, due))
    return sorted(found, key=lambda item: item[1])


def _date_of(db: Session, row: RequestRow, date: str) -> datetime | None:
    if date == "request.submitted_at":
        return row.submitted_at
    if row.session_code is None:
        return None
    session = db.execute(
        select(TrainingSession).where(
            TrainingSession.workflow_id == row.workflow_id,
            TrainingSession.code == row.session_code,
        )
    ).scalar_one_or_none()
    if session is None:
        return None
    return session.starts_at if date == "session.starts_at" else session.ends_at
