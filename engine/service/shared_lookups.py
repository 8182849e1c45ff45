"""What every wizard page reads and operators seldom change (training sessions with their
seats, reference entries, the settings operators changed), kept in memory by each process and
read again once the database says it changed.

The database keeps a counter per kind of data (`cache_versions`), bumped by triggers in the
transaction of every write to that data (migration 0006), whichever process or command wrote
it. A request reads the counters once, in its own transaction; a value is served from memory
only if it was loaded under the same counter, so a change committed by another process is seen
by the next request that starts after it. Transactions that write never use the memory: what a
write decides on (a seat, under the training session's lock) is always read from the database.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from ..store.models import CacheVersion

T = TypeVar("T")


class Kind(StrEnum):
    """The counters of `cache_versions`, one per kind of data kept in memory."""

    SESSIONS = "sessions"  # training sessions, and the seats their requests take
    ENTRIES = "reference_entries"
    SETTINGS = "settings"


_VERSIONS = select(CacheVersion.name, CacheVersion.version)


def read_versions(db: Session) -> dict[str, int]:
    return {name: int(version) for name, version in db.execute(_VERSIONS)}


# The counters as columns of a statement that a page runs anyway (the draft's), so that an
# applicant's page reads them without a statement of their own; `RequestLookups.versions_read`
# takes the values, in `Kind`'s order.
VERSION_COLUMNS = tuple(
    select(CacheVersion.version)
    .where(CacheVersion.name == kind.value)
    .scalar_subquery()
    .label(f"version_{kind.name.lower()}")
    for kind in Kind
)


@dataclass
class _Part:
    version: int
    values: dict[Hashable, Any] = field(default_factory=dict)


class SharedLookups:
    """One database's data in one process, by kind, each kind valid for one counter value."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: dict[str, _Part] = {}

    def get(self, kind: Kind, seen: int, key: Hashable, load: Callable[[], T]) -> T:
        """The value under `key`, loaded by `load` unless one loaded under the counter value
        `seen` (the one the caller's transaction read) is kept."""
        with self._lock:
            part = self._parts.get(kind)
            if part is None or part.version < seen:
                part = self._parts[kind] = _Part(seen)
            elif part.version > seen:
                # This transaction began before the last change: what it reads is not kept.
                part = None
            elif key in part.values:
                return part.values[key]  # type: ignore[no-any-return]
        value = load()
        if part is not None:
            with self._lock:
                if self._parts.get(kind) is part:
                    part.values[key] = value
        return value


# One per database (its connection pool, shared by the engine and its option variants): tests
# and tools may open several databases in one process.
_BY_POOL: weakref.WeakKeyDictionary[Pool, SharedLookups] = weakref.WeakKeyDictionary()
_BY_POOL_LOCK = threading.Lock()


def shared_lookups(db: Session) -> SharedLookups:
    bind = db.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    assert isinstance(engine, Engine)
    with _BY_POOL_LOCK:
        found = _BY_POOL.get(engine.pool)
        if found is None:
            found = _BY_POOL[engine.pool] = SharedLookups()
        return found


def writes_now(db: Session) -> bool:
    """Whether the session's transaction is a write transaction (`writing`)."""
    if not db.in_transaction():
        return False
    return bool(db.connection().get_execution_options().get("writes", False))


class RequestLookups:
    """The shared data as one database session sees it: the counters are read once per
    transaction, at its first lookup."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.shared = shared_lookups(db)
        self._seen: dict[str, int] = {}
        self._seen_in: object = None  # the transaction the counters were read in

    def versions_read(self, values: Sequence[Any]) -> None:
        """The counters (VERSION_COLUMNS' values) a statement of this transaction just read:
        they stand for its first read of them, unless it had read them already."""
        transaction = self.db.get_transaction()
        if transaction is None or transaction is self._seen_in or writes_now(self.db):
            return
        self._seen = {kind: int(v) for kind, v in zip(Kind, values, strict=True) if v is not None}
        self._seen_in = transaction

    def get(self, kind: Kind, key: Hashable, load: Callable[[], T]) -> T:
        if writes_now(self.db):
            return load()
        transaction = self.db.get_transaction()
        if transaction is None or transaction is not self._seen_in:
            self._seen = read_versions(self.db)
            self._seen_in = self.db.get_transaction()
        seen = self._seen.get(kind)
        if seen is None:  # a database without its counters: nothing can be kept
            return load()
        return self.shared.get(kind, seen, key, load)
