"""Slowing down password guessing: after too many failures for a key within a window, the key
is locked for a while. Kept in the database so every web process sees the same counts.

An attempt is counted *before* its password is checked, in a short write transaction under the
row's lock: twenty guesses sent at once are twenty attempts, of which only the first
MAX_FAILURES are ever checked. A correct password then clears the count."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..store.models import LoginThrottle
from .transaction import writing

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def _insert_if_absent(db: Session, key: str, now: datetime) -> None:
    """Creates the key's row unless another process did: both databases' upsert."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(LoginThrottle).values(
        key=key, failures=0, window_start=now, locked_until=None
    )
    db.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


def reserve_attempt(db: Session, key: str, now: datetime) -> bool:
    """Counts one attempt for `key`; False (nothing to check) when the key is locked."""
    with writing(db):
        _insert_if_absent(db, key, now)
        row = db.execute(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        ).scalar_one()
        if row.locked_until is not None and row.locked_until > now:
            return False
        if now - row.window_start > WINDOW:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= MAX_FAILURES:
            row.locked_until = now + LOCK
        return True


def clear_attempts(db: Session, key: str) -> None:
    """After a correct password: the attempts counted for the key are forgotten."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
