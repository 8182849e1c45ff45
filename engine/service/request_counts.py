"""How many requests each state and training session holds, read from `request_counts` (kept
by triggers on `requests`, migration 0007): a few dozen rows, whatever the number of requests."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.models import RequestCount


def counts_by_state(
    db: Session, workflow_id: str, session_code: str | None = None
) -> dict[str, int]:
    """Per state, of the workflow (or of one training session of it)."""
    total = func.sum(RequestCount.n)
    statement = (
        select(RequestCount.state, total)
        .where(RequestCount.workflow_id == workflow_id)
        .group_by(RequestCount.state)
        .having(total > 0)
    )
    if session_code is not None:
        statement = statement.where(RequestCount.session_code == session_code)
    return {state: int(n) for state, n in db.execute(statement)}


def counts_by_session(db: Session, workflow_id: str) -> dict[str, dict[str, int]]:
    """Per training session, then per state (requests with no session left out)."""
    found: dict[str, dict[str, int]] = {}
    for code, state, n in db.execute(
        select(RequestCount.session_code, RequestCount.state, RequestCount.n).where(
            RequestCount.workflow_id == workflow_id,
            RequestCount.session_code != "",
            RequestCount.n > 0,
        )
    ):
        found.setdefault(code, {})[state] = int(n)
    return found
