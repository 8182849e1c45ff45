"""States that requests still sit in but the current version of their workflow no longer
declares (they run on the version they are pinned to): the backoffice's queue still lists
them, under their category in that version, marked as an earlier version's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow, SpecError
from ..store.models import RequestRow
from .request_counts import counts_by_state
from .workflows import UnknownVersion, WorkflowRegistry


@dataclass(frozen=True, slots=True)
class RemovedState:
    id: str
    label: str
    # The state's category in the version that declares it, when the current one has it too.
    category: str | None


def removed_states(
    db: Session, registry: WorkflowRegistry, compiled: CompiledWorkflow, locale: str
) -> list[RemovedState]:
    """Read from the counts kept per state, then one request per removed state for its
    version: a few statements, whatever the number of requests."""
    found = []
    categories = {c.id for c in compiled.spec.process.categories}
    for state in sorted(counts_by_state(db, compiled.spec.id)):
        if state in compiled.states:
            continue
        spec_hash = db.scalar(
            select(RequestRow.spec_hash)
            .where(RequestRow.workflow_id == compiled.spec.id, RequestRow.state == state)
            .order_by(RequestRow.id.desc())
            .limit(1)
        )
        label, category = state, None
        if spec_hash is not None:
            try:
                version = registry.version(db, spec_hash)
            except (UnknownVersion, SpecError):
                version = None
            declared = version.states.get(state) if version is not None else None
            if declared is not None:
                label = version.text(declared.label, locale)  # type: ignore[union-attr]
                category = declared.category if declared.category in categories else None
        found.append(RemovedState(state, label, category))
    return found
