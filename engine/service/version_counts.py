"""How many requests each version and state holds: what `onboarding diff` shows beside each
change, and what `onboarding validate --database` warns about. Reads only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import RequestRow, SpecVersion

_HEX = re.compile(r"[0-9a-f]{4,64}")


class AmbiguousVersion(LookupError):
    """A hash prefix that names no stored version, or several."""


@dataclass
class VersionCounts:
    by_state: dict[str, int] = field(default_factory=dict)
    drafts: int = 0  # requests still in the wizard (never submitted)


def version_counts(db: Session, workflow_id: str, spec_hash: str) -> VersionCounts:
    counts = VersionCounts()
    rows = db.execute(
        select(RequestRow.state, RequestRow.submitted_at.is_(None), func.count())
        .where(RequestRow.workflow_id == workflow_id, RequestRow.spec_hash == spec_hash)
        .group_by(RequestRow.state, RequestRow.submitted_at.is_(None))
    )
    for state, unsent, n in rows:
        counts.by_state[state] = counts.by_state.get(state, 0) + int(n)
        if unsent:
            counts.drafts += int(n)
    return counts


def stranded(db: Session, compiled: CompiledWorkflow) -> dict[str, int]:
    """Requests of the workflow, whatever their version, in states this version does not
    declare, by state: they run on their own version, but cannot move to this one unless
    `migrations.from_states` maps their state."""
    rows = db.execute(
        select(RequestRow.state, func.count())
        .where(
            RequestRow.workflow_id == compiled.spec.id,
            RequestRow.state.not_in(list(compiled.states)),
        )
        .group_by(RequestRow.state)
    )
    return {state: int(n) for state, n in rows}


def stored_version(db: Session, prefix: str) -> SpecVersion:
    """The stored version whose hash starts with `prefix` (at least 4 hexadecimal digits)."""
    if _HEX.fullmatch(prefix.lower()) is None:
        raise AmbiguousVersion(f"'{prefix}' is neither a file nor a version's hash (hex digits)")
    found = list(
        db.scalars(
            select(SpecVersion).where(SpecVersion.content_hash.startswith(prefix.lower())).limit(2)
        )
    )
    if len(found) != 1:
        what = "no stored version" if not found else "several stored versions"
        raise AmbiguousVersion(f"{what} of a workflow start with '{prefix}'")
    return found[0]
