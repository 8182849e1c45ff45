"""Moving requests from the version of the workflow they are pinned to onto the current one.

A request keeps its state when the current version declares it, else takes the state the
current version's `migrations.from_states` maps it to; a request in a removed state with no
mapping cannot move (`UnsafeMoves` lists them all, and nothing moves). A draft moves to the
current initial state, and goes back to the first step where a required answer is missing: the
applicant is asked the new questions on their next visit. Every moved request gets a line in
its history: from which version to which, the states, who asked. Decision 0019 gives the
reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow, SpecError
from ..store.models import HistoryRow, RequestRow
from ..wizard.plan import expression_context
from .transaction import writing
from .workflows import UnknownVersion, WorkflowRegistry

HISTORY_ACT = "version_moved"  # the history line's `transition`


class UnknownWorkflow(LookupError):
    """No current workflow has this id."""


@dataclass(frozen=True, slots=True)
class Mover:
    """Who moves requests: a backoffice user (`user`, their address) or a command."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Move:
    request_id: int
    public_id: str
    reference: str | None
    from_hash: str
    from_state: str
    # None: the state was removed and nothing maps it; the request cannot move.
    to_state: str | None
    draft: bool
    # For a draft: the step its applicant is sent back to (None: where it was).
    resume_step: str | None = None

    @property
    def key(self) -> str:
        return self.reference or self.public_id


@dataclass
class MovePlan:
    workflow_id: str
    to_hash: str
    moves: list[Move] = field(default_factory=list)

    @property
    def refused(self) -> list[Move]:
        return [m for m in self.moves if m.to_state is None]

    @property
    def safe(self) -> bool:
        return not self.refused

    def refused_states(self) -> dict[str, int]:
        """The removed states with no mapping, and how many requests sit in each."""
        counts: dict[str, int] = {}
        for move in self.refused:
            counts[move.from_state] = counts.get(move.from_state, 0) + 1
        return counts


class UnsafeMoves(Exception):
    """Some requests sit in states the current version removed with no mapping."""

    def __init__(self, plan: MovePlan) -> None:
        states = ", ".join(f"{s} ({n})" for s, n in sorted(plan.refused_states().items()))
        super().__init__(
            f"{len(plan.refused)} request(s) in states the current version removed with no "
            f"mapping: {states}; add them to migrations.from_states"
        )
        self.plan = plan


def target_state(
    current: CompiledWorkflow, old: CompiledWorkflow, state: str, draft: bool
) -> str | None:
    """The state a request in `state` (of `old`) takes in `current`; None when none fits."""
    if draft:
        return current.spec.process.initial
    if state in current.states:
        return state
    return current.spec.migrations.from_states.get(state)


def resume_step(current: CompiledWorkflow, answers: dict[str, Any], at: str | None) -> str | None:
    """The first visible step of the current wizard with a required answer missing, when it
    comes before the step the draft is at (or that step is gone); None: stay where it is."""
    plan = current.wizard
    steps = plan.visible_steps(answers)
    ids = [s.id for s in steps]
    for step in steps:
        context = expression_context(answers, {})
        for item in plan.visible_fields(step, answers):
            required = item.spec.is_required() or (
                item.required_if is not None and item.required_if.is_true(context)
            )
            if required and answers.get(item.id) in (None, "", [], ()):
                if at not in ids or ids.index(step.id) < ids.index(at):
                    return step.id
                return None
    if at not in ids:
        return ids[0] if ids else None
    return None


def _rows(
    db: Session, workflow_id: str, current_hash: str, public_ids: Iterable[str] | None
) -> list[RequestRow]:
    query = select(RequestRow).where(
        RequestRow.workflow_id == workflow_id, RequestRow.spec_hash != current_hash
    )
    if public_ids is not None:
        query = query.where(RequestRow.public_id.in_(list(public_ids)))
    return list(db.scalars(query.order_by(RequestRow.id)))


def _move_of(row: RequestRow, current: CompiledWorkflow, old: CompiledWorkflow) -> Move:
    draft = row.submitted_at is None and row.state == old.spec.process.initial
    to_state = target_state(current, old, row.state, draft)
    step = resume_step(current, dict(row.answers), row.current_step) if draft else None
    return Move(
        row.id,
        row.public_id,
        row.reference,
        row.spec_hash,
        row.state,
        to_state,
        draft,
        step,
    )


def plan_moves(
    db: Session,
    registry: WorkflowRegistry,
    workflow_id: str,
    public_ids: Iterable[str] | None = None,
) -> MovePlan:
    """What moving the workflow's requests (or these ones) to the current version would do.
    Reads only."""
    current = registry.get(workflow_id)
    if current is None:
        raise UnknownWorkflow(workflow_id)
    plan = MovePlan(workflow_id, current.content_hash)
    for row in _rows(db, workflow_id, current.content_hash, public_ids):
        try:
            old = registry.version(db, row.spec_hash)
        except (UnknownVersion, SpecError):
            continue  # a version lost or no longer compiling runs nowhere; nothing to map
        plan.moves.append(_move_of(row, current, old))
    return plan


def _history(move: Move, to_hash: str, mover: Mover, now: datetime) -> HistoryRow:
    mapped = move.from_state != move.to_state
    comment = f"version {move.from_hash[:12]} → {to_hash[:12]}"
    if mapped:
        comment += f"; state {move.from_state} → {move.to_state}"
    if move.resume_step is not None:
        comment += f"; wizard back to step {move.resume_step}"
    return HistoryRow(
        request_id=move.request_id,
        transition=HISTORY_ACT,
        from_state=move.from_state,
        to_state=move.to_state or move.from_state,
        actor_kind=mover.kind,
        actor_name=mover.name,
        comment=comment,
        at=now,
    )


def move_requests(
    db: Session,
    registry: WorkflowRegistry,
    workflow_id: str,
    mover: Mover,
    public_ids: Iterable[str] | None = None,
    *,
    now: datetime | None = None,
) -> MovePlan:
    """Moves the requests of the plan in one transaction, or none (UnsafeMoves). A request
    changed meanwhile (its version column) makes the whole move fail, to be run again."""
    plan = plan_moves(db, registry, workflow_id, public_ids)
    if not plan.safe:
        raise UnsafeMoves(plan)
    current = registry.get(workflow_id)
    assert current is not None  # plan_moves checked it
    moment = now or datetime.now(UTC)
    with writing(db):
        registry.remember(db, current)
        for move in plan.moves:
            row = db.get(RequestRow, move.request_id)
            if row is None:
                continue
            row.spec_hash = plan.to_hash
            if move.to_state is not None and move.to_state != row.state:
                row.state = move.to_state
            if move.resume_step is not None:
                row.current_step = move.resume_step
            row.updated_at = moment
            db.add(_history(move, plan.to_hash, mover, moment))
    return plan
