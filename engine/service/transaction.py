"""The transactions of the use cases.

A use case reads in a plain transaction (on SQLite a deferred BEGIN: no lock, readers never wait
for writers in WAL mode), decides, hashes, renders, and only then writes in a short transaction
(`writing`): on SQLite the read ends and a write transaction begins, which takes the database's
write lock at BEGIN (IMMEDIATE), so two writers queue on the busy timeout instead of failing;
on PostgreSQL at READ COMMITTED the reading transaction goes on as the writing one, its
statements seeing what a new one would. Nothing slow ever runs while the lock is held. What
the writes depend on is read again inside that transaction, under a row lock where other
processes could change it (`lock_training_session`), and rows carry a version column, so a
decision taken on a stale read is refused, never applied.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..store.models import TrainingSession
from ..store.transaction import WriteOutsideTransaction, begin_write, writing

__all__ = ["WriteOutsideTransaction", "begin_write", "lock_training_session", "writing"]


_LOCK_SESSION = (
    select(TrainingSession.id)
    .where(
        TrainingSession.workflow_id == bindparam("workflow_id"),
        TrainingSession.code == bindparam("code"),
    )
    .with_for_update()
)


def lock_training_session(db: Session, workflow_id: str, code: str | None) -> None:
    """Serialises, across every process, the writes that depend on a training session's seats:
    a row lock on PostgreSQL (SQLite's write transaction already excludes other writers)."""
    if code is not None:
        db.execute(_LOCK_SESSION, {"workflow_id": workflow_id, "code": code})
