"""Schema migrations with Alembic, driven from code (`onboarding db upgrade`), so no
alembic.ini needs to sit in the working directory.

Every start of the product brings the database up to date, and almost always finds it there
already. That look is made without Alembic (importing it and reading its scripts took a third
of the start-up): the newest revision is read from the migration files' `revision` and
`down_revision` lines, the database's from its version table; Alembic runs only when they
differ or when the files cannot be read that simply."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r'^revision = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision = (?:None|"([^"]+)")$', re.MULTILINE)


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic only when it runs: see the module's doc

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Brings the database to `revision`, on the engine's own connection."""
    if revision == "head":
        head = written_head()
        if head is not None and _revision_of(engine) == head:
            return
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@cache
def written_head() -> str | None:
    """The newest revision as the migration files say it, when each file names its revision
    and the one before it in the usual lines and they make one chain; None otherwise (Alembic
    then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, parent = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(parent) != 1:
            return None
        revisions.add(revision[0])
        if parent[0]:
            parents.add(parent[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


@cache
def head_revision() -> str | None:
    """The newest migration shipped with the code (read from the files once)."""
    written = written_head()
    if written is not None:
        return written
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def _stored_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _stored_revision(connection)


@dataclass(frozen=True, slots=True)
class NotReady:
    """Why the database cannot serve this code: `reason` is a stable code."""

    reason: str  # database_unreachable, schema_not_at_head
    error: str | None = None  # the exception's class: its text may name hosts and users
    revision: str | None = None
    head: str | None = None


def readiness(engine: Engine) -> NotReady | None:
    """None when the database answers and is migrated to the code's newest revision."""
    try:
        # Read directly rather than through Alembic, which logs two lines per look.
        with engine.connect() as connection:
            revision = _stored_revision(connection)
    except (SQLAlchemyError, OSError) as error:
        return NotReady("database_unreachable", error=error.__class__.__name__)
    head = head_revision()
    if revision != head:
        return NotReady("schema_not_at_head", revision=revision, head=head)
    return None


def make_revision(engine: Engine, message: str) -> None:
    """Writes a new migration from the difference between the models and the database
    (for developers changing engine/store/models.py)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
