"""Fixtures for the web tests: the app on SQLite and on PostgreSQL (every test that takes
`site` runs on both), a clock the tests move, and a browser-like client per applicant.

PostgreSQL is reached at ONBOARDING_TEST_POSTGRES_URL (default: the local server, database
`test`); each test run creates its own database there and drops it at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, event, text
from starlette.types import ASGIApp, Receive, Scope, Send

from app.factory import create_app, make_runtime
from engine.config import AppSettings
from engine.service.accounts import use_hasher
from engine.service.catalog import sync_reference_lists
from engine.service.seed import load_seed, read_seed
from engine.service.setup import prepare_database
from engine.store.db import make_engine, make_session_factory
from engine.store.models import Base
from tests.conftest import SERVED_IN_TESTS
from tests.databases import postgres_database

from .browser import Browser

PROJECT = Path(__file__).resolve().parents[2]
BASE_URL = "http://testserver"


@dataclass
class Clock:
    """The app's time; starts a month before the demo session, moves when a test says so."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 9, 1, 8, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.moment

    def timestamp(self) -> float:
        return self.moment.timestamp()

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database per backend for the whole run; tests empty it before use."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("sqlite")
        engine = make_engine(f"sqlite:///{folder / 'test.sqlite3'}")
        event.listen(engine, "before_cursor_execute", _note_write_outside_writing)
        yield engine
        engine.dispose()
        return
    generator = postgres_database()
    url = next(generator)
    engine = make_engine(url, pool_size=5, max_overflow=5)
    event.listen(engine, "before_cursor_execute", _note_write_outside_writing)
    yield engine
    engine.dispose()
    for _ in generator:
        pass


def empty(engine: Engine) -> None:
    # The cache counters stay: the triggers bump them as the tables are emptied, so that the
    # data the process keeps from the previous test is read again.
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "cache_versions"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@dataclass
class Site:
    """The running product for one test: app, database, clock; `browser()` opens a client
    with its own cookies, as a separate person would."""

    app: object
    engine: Engine
    clock: Clock
    settings: AppSettings
    runtime: object

    def browser(self) -> Browser:
        return Browser(self.app)

    def db(self):
        return make_session_factory(self.engine)()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


_PREPARED: set[int] = set()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> None:
    """Argon2id still, with tiny costs: the production costs take a third of a second each."""
    use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# Every write made while the app answers a request runs in a write transaction (`writing`, or
# a session made for writes): on SQLite, a write in a reading transaction fails at once
# ("database is locked") whenever another connection committed since that transaction's first
# read, which a registration rush makes likely. Noted as the app runs, checked after each test.
_ANSWERING: ContextVar[bool] = ContextVar("answering", default=False)
_WRITES_OUTSIDE_WRITING: list[str] = []


class _Answering:
    """Marks what runs while the app answers a request (the handler's thread included:
    the thread pool runs it in a copy of the request's context)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _ANSWERING.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            _ANSWERING.reset(token)


def writes_outside_writing(connection: object, statement: str) -> bool:
    """Whether `statement` changes data on a connection not begun for writing."""
    if statement.lstrip()[:6].upper() not in ("INSERT", "UPDATE", "DELETE"):
        return False
    return not connection.get_execution_options().get("writes", False)  # type: ignore[attr-defined]


def _note_write_outside_writing(
    connection: object, _cursor: object, statement: str, *_args: object
) -> None:
    # Only while answering: not the tests' own set-up, nor the embedded worker.
    if _ANSWERING.get() and writes_outside_writing(connection, statement):
        _WRITES_OUTSIDE_WRITING.append(" ".join(statement.split())[:120])


@pytest.fixture
def site(database: Engine, tmp_path: Path) -> Iterator[Site]:
    clock = Clock()
    settings = AppSettings(
        project_dir=PROJECT,
        workflows=SERVED_IN_TESTS,
        data_dir=tmp_path,
        database_url=database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-not-for-production",
        base_url=BASE_URL,
    )
    runtime = make_runtime(settings)
    runtime.now = clock.now
    runtime.signer = type(runtime.signer)(runtime.signer.secret, clock=clock.timestamp)
    if id(database) not in _PREPARED:
        prepare_database(database, runtime.registry)
        _PREPARED.add(id(database))
    empty(database)
    with make_session_factory(database)() as db:
        for compiled in runtime.registry.current.values():
            runtime.registry.remember(db, compiled)
            sync_reference_lists(db, compiled)
        load_seed(
            db,
            runtime.registry,
            read_seed(PROJECT / "demo" / "onboarding.yaml"),
            settings.zone,
            today=clock.moment.date(),
        )
        db.commit()
    app = create_app(settings, runtime=runtime, engine=database)
    app.add_middleware(_Answering)
    _WRITES_OUTSIDE_WRITING.clear()
    yield Site(app, database, clock, settings, runtime)
    written, _WRITES_OUTSIDE_WRITING[:] = list(_WRITES_OUTSIDE_WRITING), []
    assert written == [], "the app wrote outside a write transaction (writing())"
