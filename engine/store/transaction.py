"""The write transaction's mechanics, used by the services' use cases and by the delivery
worker alike (the why is in engine/service/transaction.py): a reading transaction ends, and
the writes run in a transaction of their own, which on SQLite takes the write lock at BEGIN.
Both happen under one SQLAlchemy transaction: on SQLite the driver ends the read and begins the
write on the same connection; on PostgreSQL at READ COMMITTED the reading transaction goes on as
the writing one, its next statements seeing what a new transaction would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from .db import begin_sqlite_write, is_sqlite


class WriteOutsideTransaction(RuntimeError):
    """Objects were changed before `writing`: they would be written by a reading transaction."""


def begin_write(db: Session) -> None:
    """Ends the reading transaction and opens a write transaction (for functions that commit
    it themselves; `writing` is the usual way)."""
    if db.new or db.dirty or db.deleted:
        raise WriteOutsideTransaction("change objects inside writing(), not before it")
    if db.in_transaction():
        connection = db.connection()
        if connection.get_execution_options().get("writes", False):
            return  # already writing
        if is_sqlite(connection.engine):
            # The read's snapshot could not write: the driver ends it and begins the write
            # transaction (BEGIN IMMEDIATE, after the other writers) on the same connection,
            # under the same SQLAlchemy transaction: no trip through the pool and the session's
            # transaction machinery between the two, on every write.
            begin_sqlite_write(connection)
            connection.execution_options(writes=True)
            return
        if _reads_fresh_by_statement(connection):
            # Each statement of the transaction already sees every write committed before it:
            # a new transaction would see nothing more, and would cost a COMMIT, a connection
            # check and a BEGIN, each a round trip to the server, on every write.
            connection.execution_options(writes=True)
            return
        db.commit()  # nothing pending: ends the read, keeps the loaded objects
    db.connection(execution_options={"writes": True})


def _reads_fresh_by_statement(connection: Connection) -> bool:
    """PostgreSQL at READ COMMITTED (its default); not a server whose transactions keep one
    snapshot (REPEATABLE READ, SERIALIZABLE)."""
    return (
        connection.dialect.name == "postgresql"
        and connection.default_isolation_level == "READ COMMITTED"
    )


@contextmanager
def writing(db: Session) -> Iterator[Session]:
    """Ends the reading transaction and runs the block in a write transaction, committed at the
    end of the block or rolled back if it raises."""
    begin_write(db)
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
