"""SQLite's writers of one process wait in turn on a lock instead of polling the database.

SQLite lets one transaction write at a time. A second `BEGIN IMMEDIATE` gets SQLITE_BUSY and
its busy handler sleeps and retries, with sleeps growing to 100 ms: under a burst of posts
most writers sleep while the lock is free, and the slowest wait seconds (p99 of a wizard step
POST at 32 connections: over 1 s, for 1 to 3 ms of work each). Here the threads of a process
queue on a `threading.Lock` taken before `BEGIN IMMEDIATE` and given back once COMMIT or
ROLLBACK has returned, so the next writer starts as soon as the database is free. Writers in
other processes still meet the busy handler, which stays the arbiter between processes.

The connection itself (`LockingConnection`, the sqlite3 connection class the engine connects
with) finds its file's lock when it opens, and gives the turn back after the driver's commit or
rollback: whichever code ends the transaction (the ORM, Core, the pool's reset of a returned
connection), the turn passes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# As long as SQLite's own busy timeout (engine/store/db.py): a writer that waited this long
# for its turn goes on and lets SQLite decide, so no wait here is ever longer than before.
TURN_TIMEOUT_SECONDS = 30.0

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def writers_lock(database: str) -> threading.Lock:
    """The lock of one database file, shared by every engine of the process that opens it."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(database, threading.Lock())


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that gives back its process's write turn when its transaction
    ends."""

    writers: threading.Lock | None = None  # none for a database in memory: one connection
    holds_turn: bool = False

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        path = os.fsdecode(database)
        if path and path != ":memory:" and not kwargs.get("uri"):
            self.writers = writers_lock(str(Path(path).resolve()))

    def take_turn(self) -> None:
        """Waits for this process's other writers to end their transactions."""
        if self.writers is not None and not self.holds_turn:
            self.holds_turn = self.writers.acquire(timeout=TURN_TIMEOUT_SECONDS)

    def give_turn(self) -> None:
        if self.holds_turn and self.writers is not None:
            self.holds_turn = False
            self.writers.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn()


@contextmanager
def write_turn(dbapi_connection: Any) -> Iterator[None]:
    """Runs the block (the BEGIN IMMEDIATE) once it is this connection's turn; gives the turn
    back at once if the block fails (the busy timeout ran out against another process)."""
    taker = dbapi_connection if isinstance(dbapi_connection, LockingConnection) else None
    if taker is not None:
        taker.take_turn()
    try:
        yield
    except BaseException:
        if taker is not None:
            taker.give_turn()
        raise
