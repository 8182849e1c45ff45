"""Slowing down password guessing: after too many failures for a key within a window, the key
is locked for a while. Kept in the database so every web process sees the same counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..store.models import LoginThrottle

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def is_locked(db: Session, key: str, now: datetime) -> bool:
    row = db.get(LoginThrottle, key)
    return row is not None and row.locked_until is not None and row.locked_until > now


def record_failure(db: Session, key: str, now: datetime) -> None:
    row = db.get(LoginThrottle, key)
    if row is None:
        db.add(LoginThrottle(key=key, failures=1, window_start=now))
        return
    if now - row.window_start > WINDOW:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCK


def record_success(db: Session, key: str) -> None:
    row = db.get(LoginThrottle, key)
    if row is not None:
        db.delete(row)
