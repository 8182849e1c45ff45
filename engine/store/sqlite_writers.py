"""SQLite's writers of one process wait in turn on a lock instead of polling the database.

SQLite lets one transaction write at a time. A second `BEGIN IMMEDIATE` gets SQLITE_BUSY and
its busy handler sleeps and retries, with sleeps growing to 100 ms: under a burst of posts
most writers sleep while the lock is free, and the slowest wait seconds (p99 of a wizard step
POST at 32 connections: over 1 s, for 1 to 3 ms of work each). Here the threads of a process
queue on a `threading.Lock` taken before `BEGIN IMMEDIATE` and given back once COMMIT or
ROLLBACK has returned, so the next writer starts as soon as the database is free.

Between processes (`onboarding serve --workers N`, the worker, commands), the turn's holder
also holds an advisory lock (flock) on a file beside the database (`<database>-writers`):
the writer of another process waits for it, polling every millisecond at most, instead of
sleeping in the busy handler while its process's other writers queue behind it. Without that
file lock, two processes' posts scaled ×1.39 instead of ×2. A process that dies gives its
lock back (the kernel closes its files). The busy handler stays the arbiter for writers that
do not take turns (another program, the `sqlite3` shell) and once a wait passed its timeout.

The connection itself (`LockingConnection`, the sqlite3 connection class the engine connects
with) finds its file's lock when it opens, and gives the turn back after the driver's commit or
rollback: whichever code ends the transaction (the ORM, Core, the pool's reset of a returned
connection), the turn passes.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# As long as SQLite's own busy timeout (engine/store/db.py): a writer that waited this long
# for its turn goes on and lets SQLite decide, so no wait here is ever longer than before.
TURN_TIMEOUT_SECONDS = 30.0

# How long a writer waiting for another process sleeps between two tries, at first and at most.
FIRST_POLL_SECONDS = 0.0001
LONGEST_POLL_SECONDS = 0.001

_LOCKS: dict[str, threading.Lock] = {}
_FILES: dict[str, ProcessTurn] = {}
_LOCKS_GUARD = threading.Lock()


def writers_lock(database: str) -> threading.Lock:
    """The lock of one database file, shared by every engine of the process that opens it."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(database, threading.Lock())


class ProcessTurn:
    """The file lock that passes the write turn between processes. Taken only by the thread
    holding its process's `writers_lock`, so one descriptor per process serves every thread."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}-writers"
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int | None:
        # A forked child must not share its parent's descriptor: flock locks belong to the
        # open file, so parent and child would hold the same lock.
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return None  # a read-only directory: the busy handler arbitrates alone
            self._pid = os.getpid()
        return self._fd

    def acquire(self, deadline: float) -> bool:
        """Waits until no other process holds the turn, or until `deadline` (monotonic)."""
        fd = self._descriptor()
        if fd is None:
            return False
        pause = FIRST_POLL_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_POLL_SECONDS)

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def process_turn(database: str) -> ProcessTurn:
    with _LOCKS_GUARD:
        found = _FILES.get(database)
        if found is None:
            found = _FILES[database] = ProcessTurn(database)
        return found


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that gives back its process's write turn when its transaction
    ends."""

    writers: threading.Lock | None = None  # none for a database in memory: one connection
    other_processes: ProcessTurn | None = None
    holds_turn: bool = False
    holds_file: bool = False

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        path = os.fsdecode(database)
        if path and path != ":memory:" and not kwargs.get("uri"):
            resolved = str(Path(path).resolve())
            self.writers = writers_lock(resolved)
            self.other_processes = process_turn(resolved)

    def take_turn(self) -> None:
        """Waits for this process's other writers, then for other processes' writers, to end
        their transactions."""
        if self.writers is None or self.holds_turn:
            return
        deadline = time.monotonic() + TURN_TIMEOUT_SECONDS
        self.holds_turn = self.writers.acquire(timeout=TURN_TIMEOUT_SECONDS)
        if self.holds_turn and self.other_processes is not None:
            self.holds_file = self.other_processes.acquire(deadline)

    def give_turn(self) -> None:
        if self.holds_file and self.other_processes is not None:
            self.holds_file = False
            self.other_processes.release()
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
