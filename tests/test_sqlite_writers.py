"""SQLite writers of one process take turns (engine/store/sqlite_writers.py): a second writer
waits for the first to commit, then goes on; the turn is given back however a transaction
ends (commit, rollback, an error in the block, a session closed mid-transaction, a BEGIN
refused because another process writes), so no writer is ever left waiting for a turn that
nobody holds."""

from __future__ import annotations

import fcntl
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from app.factory import make_runtime
from engine.config import AppSettings
from engine.service.setup import publish_versions
from engine.store.db import make_engine, make_session_factory
from engine.store.migrate import upgrade
from engine.store.sqlite_writers import writers_lock
from engine.store.transaction import writing

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Engine, threading.Lock, Path]]:
    path = tmp_path / "writers.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine, writers_lock(str(path.resolve())), path
    engine.dispose()


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT n FROM counter")).scalar_one())


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(
    database: tuple[Engine, threading.Lock, Path],
) -> None:
    engine, lock, _ = database
    sessions = make_session_factory(engine)
    first_writing, second_done = threading.Event(), threading.Event()

    def second() -> None:
        first_writing.wait(10)
        with sessions() as db, writing(db):
            db.execute(text("UPDATE counter SET n = n * 10"))
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with sessions() as db, writing(db):
        db.execute(text("UPDATE counter SET n = n + 1"))
        assert lock.locked()
        first_writing.set()
        assert not second_done.wait(0.3), "the second writer did not wait for its turn"
    thread.join(10)
    assert second_done.is_set()
    assert count(engine) == 10  # (0 + 1) * 10: one after the other, nothing lost
    assert not lock.locked()


def test_the_turn_is_given_back_however_the_transaction_ends(
    database: tuple[Engine, threading.Lock, Path],
) -> None:
    engine, lock, _ = database
    sessions = make_session_factory(engine)

    with pytest.raises(ZeroDivisionError), sessions() as db, writing(db):
        db.execute(text("UPDATE counter SET n = 99"))
        _ = 1 / 0
    assert not lock.locked()

    db = sessions()
    with db.begin():
        pass  # a read transaction takes no turn
    assert not lock.locked()
    writes = make_session_factory(engine, writes=True)()
    writes.execute(text("UPDATE counter SET n = 98"))
    assert lock.locked()
    writes.close()  # returned to the pool mid-transaction: rolled back
    assert not lock.locked()
    assert count(engine) == 0

    with sessions() as db, writing(db):
        db.execute(text("UPDATE counter SET n = 5"))
    assert not lock.locked()
    assert count(engine) == 5


def test_a_begin_refused_because_another_process_writes_gives_the_turn_back(
    database: tuple[Engine, threading.Lock, Path],
) -> None:
    engine, lock, path = database
    other = sqlite3.connect(path, isolation_level=None)  # another process's connection
    other.execute("BEGIN IMMEDIATE")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout=50")
            connection.rollback()
            with pytest.raises(OperationalError, match="locked"):
                connection.execution_options(writes=True).begin()
            assert not lock.locked()
    finally:
        other.execute("ROLLBACK")
        other.close()
    with make_session_factory(engine)() as db, writing(db):
        db.execute(text("UPDATE counter SET n = 7"))
    assert count(engine) == 7 and not lock.locked()


def test_engines_of_one_file_share_the_turns(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = make_engine(f"sqlite:///{path}"), make_engine(f"sqlite:///{path}")
    try:
        assert writers_lock(str(path.resolve())) is writers_lock(str(path.resolve()))
        with first.connect() as one:
            one.execution_options(writes=True).begin()
            assert writers_lock(str(path.resolve())).locked()
            one.rollback()
        with second.connect() as two:
            two.execution_options(writes=True).begin()
            two.commit()
        assert not writers_lock(str(path.resolve())).locked()
    finally:
        first.dispose()
        second.dispose()


HOLDER = """
import sys, time
from sqlalchemy import text
from app.factory import make_runtime
from engine.config import AppSettings
from engine.service.setup import publish_versions
from engine.store.db import make_engine, make_session_factory
from engine.store.migrate import upgrade
from engine.store.transaction import writing

engine = make_engine(f"sqlite:///{sys.argv[1]}")
with make_session_factory(engine)() as db, writing(db):
    db.execute(text("UPDATE counter SET n = n + 1"))
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
print("committed", flush=True)
"""


def hold_the_database(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that writes for `seconds` through the product's engine; it prints
    "holding" once its write transaction is open, "committed" once it is not."""
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )


def test_a_writer_of_another_process_waits_for_the_turn_not_in_the_busy_handler(
    database: tuple[Engine, threading.Lock, Path],
) -> None:
    """Another process holds a write transaction for 0.6 s; this process's writer, whose busy
    timeout is 50 ms, would fail with "database is locked" if it relied on SQLite's busy
    handler. It waits for the turn instead, then writes after the other's commit."""
    engine, lock, path = database
    holder = hold_the_database(path, 0.6)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout=50")
            connection.rollback()
            started = time.monotonic()
            with connection.execution_options(writes=True).begin():
                connection.execute(text("UPDATE counter SET n = n * 10"))
            waited = time.monotonic() - started
        assert holder.stdout.readline().strip() == "committed"
    finally:
        holder.wait(10)
    assert holder.returncode == 0
    assert waited > 0.3, "this writer did not wait for the other process's turn"
    assert count(engine) == 10  # (0 + 1) * 10: after the other process, nothing lost
    assert not lock.locked()
    # The file lock was given back too: another process could take it at once.
    with open(f"{path.resolve()}-writers", "rb") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)


def test_a_killed_process_does_not_keep_the_turn(
    database: tuple[Engine, threading.Lock, Path],
) -> None:
    """A process killed while it writes leaves neither SQLite's lock nor the turn behind."""
    engine, _, path = database
    holder = hold_the_database(path, 60)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    holder.kill()
    holder.wait(10)
    started = time.monotonic()
    with make_session_factory(engine)() as db, writing(db):
        db.execute(text("UPDATE counter SET n = 3"))
    assert time.monotonic() - started < 5
    assert count(engine) == 3  # the killed process's update was never committed


def test_a_reloaded_version_is_published_while_another_process_writes(tmp_path: Path) -> None:
    """Every process publishes the workflows it has just reloaded at about the same moment.
    One whose read began before another process's commit could not write after it: SQLite
    answered "database is locked" and that process kept serving its previous version. It
    reads inside its write transaction, after its turn, and stores the version."""
    path = tmp_path / "product.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    registry = make_runtime(
        AppSettings(project_dir=PROJECT, data_dir=tmp_path, base_url="http://127.0.0.1")
    ).registry
    holder = hold_the_database(path, 0.6)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        publish_versions(engine, registry)
    finally:
        holder.wait(10)
    assert holder.returncode == 0
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT content_hash FROM spec_versions")).scalars())
    assert stored == {c.content_hash for c in registry.current.values()}
    engine.dispose()
