"""The `seat_freed` event (`by: {event: seat_freed}`): while a training session has a seat left,
the worker fires the waiting transition of its requests, the first arrived first.

A seat frees in many ways (a cancellation, a rejection, an offer declined or lapsed, the
capacity raised by an operator or by a file, a request moved by hand): rather than each of
them raising the event, the worker looks, each round, at the sessions where requests wait and
a seat is left. The order is the time each request entered its waiting state (then its id),
which is kept by every firing (`state_entered_at`), so the position needs no column of its own.
Each firing is a use case of its own: it locks the session's row and checks again, with the
seats counted then, that one is left (the event's guard), so several workers and web processes
never give one seat twice."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..compiled import CompiledWorkflow
from ..process.actors import Actor
from ..process.firing import FireError
from ..spec.process import SEAT_FREED, ByEvent
from ..store.models import RequestRow
from .context import Runtime
from .requests import Conflict, RequestService
from .sessions import find_session, seats_taken

log = logging.getLogger("onboarding.seats")


@dataclass(frozen=True, slots=True)
class Waiting:
    """A request waiting for a seat, and the transition that gives it one."""

    request_id: int
    public_id: str
    reference: str | None
    state: str
    entered_at: datetime
    transition: str


def seat_transitions(compiled: CompiledWorkflow) -> dict[str, str]:
    """The waiting states of a workflow version, each with its `seat_freed` transition."""
    found: dict[str, str] = {}
    for transition in compiled.spec.process.transitions:
        by = transition.by
        if isinstance(by, ByEvent) and by.event == SEAT_FREED:
            for state in transition.source:
                found.setdefault(state, transition.id)
    return found


def waiting_lines(
    db: Session, runtime: Runtime, workflow_id: str | None = None, code: str | None = None
) -> dict[tuple[str, str], list[Waiting]]:
    """The requests waiting for a seat, by (workflow, session), in the order they are served."""
    lines: dict[tuple[str, str], list[Waiting]] = defaultdict(list)
    query = select(RequestRow.workflow_id, RequestRow.spec_hash).distinct()
    if workflow_id is not None:
        query = query.where(RequestRow.workflow_id == workflow_id)
    if code is not None:
        query = query.where(RequestRow.session_code == code)
    for found_workflow, spec_hash in db.execute(query).all():
        compiled = runtime.registry.version(db, spec_hash)
        transitions = seat_transitions(compiled)
        if not transitions:
            continue
        rows = select(
            RequestRow.id,
            RequestRow.public_id,
            RequestRow.reference,
            RequestRow.session_code,
            RequestRow.state,
            RequestRow.state_entered_at,
        ).where(
            RequestRow.workflow_id == found_workflow,
            RequestRow.spec_hash == spec_hash,
            RequestRow.state.in_(list(transitions)),
            RequestRow.session_code.is_not(None),
        )
        if code is not None:
            rows = rows.where(RequestRow.session_code == code)
        for row in db.execute(rows).all():
            lines[(found_workflow, row.session_code)].append(
                Waiting(
                    row.id,
                    row.public_id,
                    row.reference,
                    row.state,
                    row.state_entered_at,
                    transitions[row.state],
                )
            )
    for line in lines.values():
        line.sort(key=lambda w: (w.entered_at, w.request_id))
    return dict(lines)


def due_offers(db: Session, runtime: Runtime, now: datetime) -> list[list[Waiting]]:
    """For each session not started yet that has seats left, the first requests of its line,
    one per seat left."""
    due: list[list[Waiting]] = []
    for (workflow_id, code), line in waiting_lines(db, runtime).items():
        session = find_session(db, workflow_id, code)
        compiled = runtime.registry.get(workflow_id)
        if session is None or compiled is None or session.starts_at <= now:
            continue
        left = session.capacity - seats_taken(db, compiled, code)
        if left > 0:
            due.append(line[:left])
    return due


def fire_seat_events(
    runtime: Runtime, sessions: sessionmaker[Session], now: Callable[[], datetime]
) -> int:
    """Gives the seats left to the requests waiting first; returns how many were given."""
    with sessions() as db:
        lines = due_offers(db, runtime, now())
    fired = 0
    for line in lines:
        for waiting in line:
            with sessions() as db:
                service = RequestService(db, runtime)
                row = db.get(RequestRow, waiting.request_id)
                if row is None or row.state != waiting.state:
                    continue
                try:
                    compiled = service.compiled_for(row)
                    actor = Actor.on_event(SEAT_FREED)
                    service.fire(row, compiled, waiting.transition, actor)
                except FireError as error:
                    # The seat went meanwhile (another process gave it): the rest of this line
                    # waits for the next round.
                    log.info("seat not given to request %s: %s", row.id, error)
                    break
                except Conflict:
                    continue  # the request changed meanwhile; the next in line is tried
                fired += 1
    return fired


@dataclass(frozen=True, slots=True)
class SessionLine:
    """A session's waiting line as operators see it: who waits, in order (position 1 is
    served first), and the seats given by the event that are not accepted yet."""

    waiting: list[Waiting]
    offered: list[Waiting]


def offered_states(compiled: CompiledWorkflow) -> set[str]:
    """The states a `seat_freed` transition leads to: a seat offered, not yet taken up."""
    return {
        transition.to
        for transition in compiled.spec.process.transitions
        if isinstance(transition.by, ByEvent)
        and transition.by.event == SEAT_FREED
        and transition.to is not None
    }


def session_line(
    db: Session, runtime: Runtime, compiled: CompiledWorkflow, code: str
) -> SessionLine:
    waiting = waiting_lines(db, runtime, compiled.spec.id, code).get((compiled.spec.id, code), [])
    states = offered_states(compiled)
    offered: list[Waiting] = []
    if states:
        rows = db.execute(
            select(
                RequestRow.id,
                RequestRow.public_id,
                RequestRow.reference,
                RequestRow.state,
                RequestRow.state_entered_at,
            )
            .where(
                RequestRow.workflow_id == compiled.spec.id,
                RequestRow.session_code == code,
                RequestRow.state.in_(sorted(states)),
            )
            .order_by(RequestRow.state_entered_at, RequestRow.id)
        ).all()
        offered = [
            Waiting(r.id, r.public_id, r.reference, r.state, r.state_entered_at, "") for r in rows
        ]
    return SessionLine(waiting, offered)


def position_in_line(db: Session, runtime: Runtime, row: RequestRow) -> int | None:
    """The request's place in its session's waiting line (1: served first), if it waits."""
    if row.session_code is None:
        return None
    compiled = runtime.registry.version(db, row.spec_hash)
    if row.state not in seat_transitions(compiled):
        return None
    line = waiting_lines(db, runtime, row.workflow_id, row.session_code).get(
        (row.workflow_id, row.session_code), []
    )
    return next((i for i, w in enumerate(line, start=1) if w.request_id == row.id), None)
