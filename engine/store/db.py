"""Connecting to the database: SQLite (the embedded default, in WAL mode) or PostgreSQL,
through the same code."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .idle_ping import IDLE_PING_SECONDS, ping_when_idle
from .sqlite_writers import LockingConnection, write_turn


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3, the driver installed with the product."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# Handlers run on a thread pool of WEB_THREADS threads (web/app.py), each holding at most one
# connection at a time: the pool is as large, plus a few for the embedded worker and probes,
# so a busy process waits for a thread, never for a connection.
WEB_THREADS = 32
POOL_SIZE = WEB_THREADS + 4


def make_engine(url: str, **options: Any) -> Engine:
    url = normalise_url(url)
    # A database error's text would otherwise quote the statement's values (names, addresses)
    # into the logs.
    options.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault(
            "connect_args",
            {"check_same_thread": False, "timeout": 30, "factory": LockingConnection},
        )
        if database and database != ":memory:":
            options.setdefault("pool_size", POOL_SIZE)
            options.setdefault("max_overflow", 0)
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling delays BEGIN until the first write, so a read
        # and the write that follows it would not be one transaction: emit BEGIN ourselves.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Connections that waited in the pool are checked before use, not each one at every
    # checkout (idle_ping.py).
    idle_seconds = options.pop("idle_ping_seconds", IDLE_PING_SECONDS)
    options.setdefault("pool_size", POOL_SIZE)
    options.setdefault("max_overflow", 0)
    engine = create_engine(url, **options)
    ping_when_idle(engine, idle_seconds)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # see the "begin" listener above
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A transaction that will write takes the write lock at once (IMMEDIATE), after the
    # process's other writers (sqlite_writers.py); writers of other processes queue on the busy
    # timeout. Started as a reader, it could not become a writer once another writer has
    # committed (SQLite answers "database is locked" at once in WAL mode).
    # Sent on the driver's connection: a statement through SQLAlchemy's execution path costs
    # more than the BEGIN itself, on every request.
    dbapi_connection = connection.connection.dbapi_connection
    if not connection.get_execution_options().get("writes", False):
        with _as_sqlalchemy_error("BEGIN"):
            dbapi_connection.execute("BEGIN")
        return
    _begin_immediate(dbapi_connection)


def begin_sqlite_write(connection: Connection) -> None:
    """Ends a SQLite connection's reading transaction and begins a write transaction in its
    place, at the driver (SQLAlchemy's transaction goes on: its commit or rollback ends the
    write)."""
    dbapi_connection = connection.connection.dbapi_connection
    with _as_sqlalchemy_error("COMMIT"):
        dbapi_connection.commit()  # a read: nothing to write, it only ends the snapshot
    _begin_immediate(dbapi_connection)


def _begin_immediate(dbapi_connection: Any) -> None:
    """BEGIN IMMEDIATE once the process's other writers are done (sqlite_writers.py)."""
    with _as_sqlalchemy_error("BEGIN IMMEDIATE"), write_turn(dbapi_connection):
        dbapi_connection.execute("BEGIN IMMEDIATE")


@contextmanager
def _as_sqlalchemy_error(statement: str) -> Iterator[None]:
    """The driver's errors wrapped as SQLAlchemy's (OperationalError when the database stays
    locked), as its execution path would have."""
    try:
        yield
    except sqlite3.Error as error:
        raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error


def for_writes(engine: Engine) -> Engine:
    """The engine whose transactions write (BEGIN IMMEDIATE on SQLite, after the process's
    other writers)."""
    return engine.execution_options(writes=True)


def make_session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions for reading, or (`writes=True`) for requests that change data."""
    return sessionmaker(for_writes(engine) if writes else engine, expire_on_commit=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
