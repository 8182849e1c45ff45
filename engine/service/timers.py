"""Timers declared in the spec (`by: {timer: <delay>}`): a request that has stayed long enough
in a transition's `from` state has the transition fired by the worker, once per stay, through
the same path as a click (history, outbox, in one transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..compiled import CompiledWorkflow
from ..delivery.metrics import TIMERS_FIRED
from ..process.actors import Actor
from ..process.firing import FireError
from ..spec.process import ByTimer
from ..store.models import HistoryRow, RequestRow
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


def due_timers(db: Session, runtime: Runtime, now: datetime) -> list[TimerCandidate]:
    """Requests whose stay in a state has reached a timer's delay, and for which that timer
    has not fired since they entered the state."""
    found: list[TimerCandidate] = []
    versions = db.execute(select(RequestRow.workflow_id, RequestRow.spec_hash).distinct()).all()
    for workflow_id, spec_hash in versions:
        compiled = runtime.registry.version(db, spec_hash)
        settings = overrides(db, workflow_id)
        for state, transition_id, by in _timer_transitions(compiled):
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
        delay = compiled.duration(by.timer, settings)
        if delay is None:
            continue
        fired = db.execute(
            select(HistoryRow.id).where(
                HistoryRow.request_id == row.id,
                HistoryRow.transition == transition_id,
                HistoryRow.at >= row.state_entered_at,
            )
        ).first()
        if fired is None:
            found.append((transition_id, row.state_entered_at + delay))
    return sorted(found, key=lambda item: item[1])
