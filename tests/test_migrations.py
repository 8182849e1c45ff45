"""Migrations carry what they need: they import no code of the product, so a revision runs the
same whatever the code becomes, and the copy of live code they carry computes what the code
does."""

from __future__ import annotations

import ast
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from engine.service.notifications import notifications_for, unread_count
from engine.service.request_columns import queue_columns
from engine.service.workflows import WorkflowRegistry
from engine.store.db import make_engine
from engine.store.migrate import upgrade
from engine.store.models import Account, RequestRow

from .conftest import SERVED_IN_TESTS
from .databases import postgres_database

PROJECT = Path(__file__).resolve().parent.parent
VERSIONS = PROJECT / "engine" / "store" / "migrations" / "versions"
# What a revision may import besides the standard library.
ALLOWED = {"__future__", "alembic", "sqlalchemy", "yaml"}


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." if node.level else (node.module or "").split(".")[0])
    return found


def test_every_revision_is_checked() -> None:
    assert len(list(VERSIONS.glob("*.py"))) >= 5


@pytest.mark.parametrize("revision", sorted(p.name for p in VERSIONS.glob("*.py")))
def test_a_revision_imports_no_code_of_the_product(revision: str) -> None:
    outside = {
        name
        for name in imported_modules(VERSIONS / revision)
        if name not in ALLOWED and name not in sys.stdlib_module_names
    }
    assert outside == set()


def database_at(backend: str, tmp_path: Path, revision: str) -> Iterator[Engine]:
    """A new database of `backend`, migrated up to `revision` only."""
    if backend == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path / 'before.sqlite3'}"])
    else:
        urls = postgres_database()
    for url in urls:
        engine = make_engine(url)
        upgrade(engine, revision)
        yield engine
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def before_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at revision 0003, before the queue columns existed."""
    yield from database_at(request.param, tmp_path, "0003")


def submitted_before(engine: Engine, workflow_id: str, answers: dict[str, object]) -> str:
    compiled = WorkflowRegistry.load(PROJECT, SERVED_IN_TESTS).get(workflow_id)
    assert compiled is not None
    at_0003 = {c.name for c in RequestRow.__table__.columns} - {
        "applicant_name",
        "search_text",
        "facets",
    }
    now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    reference = f"{workflow_id.upper()}-0042"
    values = {
        "public_id": str(uuid.uuid4()),
        "reference": reference,
        "workflow_id": workflow_id,
        "spec_hash": compiled.content_hash,
        "state": compiled.spec.process.initial,
        "state_entered_at": now,
        "session_code": None,
        "answers": answers,
        "locale": "fr",
        "applicant_email": None,
        "version": 2,
        "created_at": now,
        "updated_at": now,
        "submitted_at": now,
    }
    with Session(engine) as db:
        WorkflowRegistry({}).remember(db, compiled)
        db.execute(
            RequestRow.__table__.insert().values({k: v for k, v in values.items() if k in at_0003})
        )
        db.commit()
    return reference


ONBOARDING = {
    "funding_method": "opco",
    "establishment": "lyon",
    "first_name": "  Éloïse ",
    "last_name": "Dupont-Ferrière",
    "email": "eloise.dupont@example.org",
    "mandate": "maire",
}


@pytest.mark.parametrize(
    ("workflow_id", "answers"),
    [
        ("onboarding", ONBOARDING),
        ("onboarding", {"first_name": "Jean", "establishment": ""}),
        ("equipment_loan", {"email": "zoe@example.org", "last_name": "Martin", "item": "tripod"}),
    ],
)
def test_the_migration_computes_the_queue_columns_as_the_code_does(
    before_0004: Engine, workflow_id: str, answers: dict[str, object]
) -> None:
    reference = submitted_before(before_0004, workflow_id, answers)
    upgrade(before_0004)
    compiled = WorkflowRegistry.load(PROJECT, SERVED_IN_TESTS).get(workflow_id)
    assert compiled is not None
    expected = queue_columns(compiled, answers, reference)
    with Session(before_0004) as db:
        row = db.execute(select(RequestRow)).scalar_one()
    assert (row.applicant_name, row.search_text, row.facets) == (
        expected.applicant_name,
        expected.search_text,
        expected.facets,
    )


def test_the_head_read_from_the_files_is_alembics() -> None:
    """Start-up skips Alembic when the database is at the head read from the files: that
    reading must never name another revision than Alembic's own."""
    from alembic.script import ScriptDirectory

    from engine.store.migrate import alembic_config, written_head

    assert written_head() is not None
    assert written_head() == ScriptDirectory.from_config(alembic_config("")).get_current_head()


def test_a_database_at_the_head_is_not_handed_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        upgrade(engine, "0004")
        calls: list[str] = []
        real_upgrade = command.upgrade

        def counted(config: object, revision: str) -> None:
            calls.append(revision)
            real_upgrade(config, revision)  # type: ignore[arg-type]

        monkeypatch.setattr(command, "upgrade", counted)
        upgrade(engine)  # behind the head: Alembic runs
        upgrade(engine)  # at the head: nothing to do, Alembic is not asked
        assert calls == ["head"]
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def before_0007(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at revision 0006, when every read notification had a row of its own."""
    yield from database_at(request.param, tmp_path, "0006")


def test_the_migration_keeps_what_each_user_has_read(before_0007: Engine) -> None:
    now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    tables = Account.metadata.tables
    with before_0007.begin() as connection:
        for email in ("reader@example.org", "newcomer@example.org"):
            connection.execute(
                tables["accounts"]
                .insert()
                .values(
                    email=email,
                    password_hash="x",
                    roles=["manager"],
                    profile={},
                    active=True,
                    created_at=now,
                )
            )
        reader = connection.execute(
            select(Account.id).where(Account.email == "reader@example.org")
        ).scalar_one()
        for n, role in enumerate(["manager"] * 6 + ["admin"] * 2, start=1):
            connection.execute(
                tables["notifications"]
                .insert()
                .values(id=n, dedupe_key=f"n{n}", role=role, message=f"n{n}", created_at=now)
            )
        for n in (1, 2, 3, 5, 7, 8):  # 4 and 6 of the manager's are left unread
            connection.execute(
                tables["notification_reads"]
                .insert()
                .values(notification_id=n, account_id=reader, read_at=now)
            )
    upgrade(before_0007)
    with Session(before_0007) as db:
        accounts = {a.email: a for a in db.scalars(select(Account))}
        both = frozenset({"manager", "admin"})
        assert unread_count(db, accounts["reader@example.org"], both) == 2
        assert unread_count(db, accounts["newcomer@example.org"], both) == 8
        lines, _ = notifications_for(db, accounts["reader@example.org"], both)
        assert [line.id for line in lines if line.unread] == [6, 4]
