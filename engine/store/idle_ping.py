"""A pooled PostgreSQL connection is checked before use only when it sat idle long enough to
have been lost.

SQLAlchemy's `pool_pre_ping` asks the server at every checkout whether the connection still
works: one more round trip for each page, whose own work is three or four statements, during a
registration-day burst where every connection was used a few milliseconds before. Connections
are lost while they wait in the pool (a server restart, a firewall or proxy dropping an idle
one, an administrator ending it), so one that waited longer than `IDLE_PING_SECONDS` is pinged
before it is handed out, and replaced, with every other pooled connection older than the
failure, when the ping fails (what `pool_pre_ping` does). One in constant use is not pinged: if
the server goes away under load, the statement in flight fails (a 503 page, nothing written),
SQLAlchemy invalidates every pooled connection made before that failure, and the next
checkouts connect anew.

Plain pool events, as SQLAlchemy documents for custom disconnect handling: the connection's
`info` (emptied when the connection is replaced) keeps when it came back to the pool."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event, exc

# Long enough that a connection in use under load never waits that long between two
# requests; far shorter than any idle timeout that drops connections.
IDLE_PING_SECONDS = 5.0
_RETURNED_AT = "onboarding_returned_at"


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Pings `engine`'s connections that waited in its pool longer than `idle_seconds` before
    handing them out; a new connection is never pinged."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool replaces this connection and every one made before now, then runs
                # the checkout again with a new one.
                raise exc.InvalidatePoolError(str(error)) from error
            raise
