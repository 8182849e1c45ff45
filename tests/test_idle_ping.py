"""PostgreSQL connections that waited in the pool are checked before use; those used again at
once are not, so a page in a burst costs no extra round trip (engine/store/idle_ping.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from engine.store.db import make_engine
from tests.databases import postgres_database


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    generator = postgres_database()
    yield next(generator)
    for _ in generator:
        pass


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def end_backends(url: str, pids: list[int]) -> None:
    """What a server restart or an administrator does to the connections."""
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    time.sleep(0.2)  # the ended backends are gone before the next statement


def counting_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_used_again_at_once_is_not_pinged(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(url, pool_size=2)
    pings = counting_pings(engine, monkeypatch)
    try:
        for _ in range(20):
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar_one() == 1
        assert pings == []
    finally:
        engine.dispose()


def test_a_connection_lost_while_idle_is_replaced_before_use(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(url, pool_size=1, idle_ping_seconds=0.1)
    pings = counting_pings(engine, monkeypatch)
    try:
        first = backend_pid(engine)
        end_backends(url, [first])
        # Idle longer than the threshold: pinged, found dead, replaced; the page's statement
        # runs on a new connection.
        second = backend_pid(engine)
        assert second != first
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_connections_lost_in_use_fail_one_statement_then_the_pool_connects_anew(
    url: str,
) -> None:
    """A restart in the middle of a burst: no ping saves the statement in flight, but the
    failure renews the whole pool, so every later statement succeeds."""
    engine = make_engine(url, pool_size=2, idle_ping_seconds=3600)
    try:
        with engine.connect() as one, engine.connect() as two:
            pids = [
                int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in (one, two)
            ]
            one.rollback()
            two.rollback()
        end_backends(url, pids)
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        for _ in range(4):  # both pooled connections, each used twice
            pid = backend_pid(engine)
            assert pid not in pids
    finally:
        engine.dispose()
