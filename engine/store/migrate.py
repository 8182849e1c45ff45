"""Schema migrations with Alembic, driven from code (`onboarding db upgrade`), so no
alembic.ini needs to sit in the working directory."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Brings the database to `revision`, on the engine's own connection."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()


@cache
def head_revision() -> str | None:
    """The newest migration shipped with the code (read from the files once)."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


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
            revision = None
            if inspect(connection).has_table(VERSION_TABLE):
                found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
                revision = found.scalar()
    except (SQLAlchemyError, OSError) as error:
        return NotReady("database_unreachable", error=error.__class__.__name__)
    head = head_revision()
    if revision != head:
        return NotReady("schema_not_at_head", revision=revision, head=head)
    return None


def make_revision(engine: Engine, message: str) -> None:
    """Writes a new migration from the difference between the models and the database
    (for developers changing engine/store/models.py)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
