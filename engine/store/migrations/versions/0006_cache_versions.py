"""cache versions: a counter per kind of shared data, bumped by triggers on every write to it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:00:00.000000

Each web process keeps the training sessions (with their seats), the reference entries and the
settings operators changed in memory, and reads them again when the counter of their kind has
moved. The counters are bumped by triggers, in the transaction of the write itself: no code
path (a use case, an import, a command, a statement typed by hand) can change the data without
every process seeing it at its next request.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SESSIONS, ENTRIES, SETTINGS = "sessions", "reference_entries", "settings"
# Tables whose every change moves a counter.
PLAIN_TABLES = {
    "training_sessions": SESSIONS,
    "reference_entries": ENTRIES,
    "workflow_settings": SETTINGS,
}
# Seats are counted from the requests: a request sent, withdrawn, moved to another state or
# session moves the sessions' counter. A draft being filled in (the busiest writes) does not.
SQLITE_REQUEST_TRIGGERS = {
    "insert": "AFTER INSERT ON requests WHEN NEW.submitted_at IS NOT NULL",
    "delete": "AFTER DELETE ON requests WHEN OLD.submitted_at IS NOT NULL",
    "update": (
        "AFTER UPDATE OF state, session_code, workflow_id, submitted_at ON requests"
        " WHEN OLD.state IS NOT NEW.state OR OLD.session_code IS NOT NEW.session_code"
        " OR OLD.workflow_id IS NOT NEW.workflow_id"
        " OR OLD.submitted_at IS NOT NEW.submitted_at"
    ),
}
POSTGRES_REQUEST_TESTS = {
    "insert": (
        "REFERENCING NEW TABLE AS changed",
        "SELECT 1 FROM changed WHERE submitted_at IS NOT NULL",
    ),
    "delete": (
        "REFERENCING OLD TABLE AS changed",
        "SELECT 1 FROM changed WHERE submitted_at IS NOT NULL",
    ),
    "update": (
        "REFERENCING OLD TABLE AS before NEW TABLE AS after",
        "SELECT 1 FROM before JOIN after ON after.id = before.id"
        " WHERE before.state IS DISTINCT FROM after.state"
        " OR before.session_code IS DISTINCT FROM after.session_code"
        " OR before.workflow_id IS DISTINCT FROM after.workflow_id"
        " OR before.submitted_at IS DISTINCT FROM after.submitted_at",
    ),
}


def _bump(name: str) -> str:
    return f"UPDATE cache_versions SET version = version + 1 WHERE name = '{name}'"


def upgrade() -> None:
    table = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    op.bulk_insert(table, [{"name": n, "version": 1} for n in (SESSIONS, ENTRIES, SETTINGS)])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table, name in PLAIN_TABLES.items():
        for event in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER cache_{table}_{event} AFTER {event.upper()} ON {table}"
                f" BEGIN {_bump(name)}; END"
            )
    for event, when in SQLITE_REQUEST_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER cache_requests_{event} {when} BEGIN {_bump(SESSIONS)}; END")


def _postgres_triggers() -> None:
    # Once per statement, not per row: a bulk import moves the counter once.
    for table, name in PLAIN_TABLES.items():
        op.execute(
            f"CREATE FUNCTION cache_{table}_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {_bump(name)}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER cache_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION cache_{table}_bump()"
        )
    for event, (referencing, test) in POSTGRES_REQUEST_TESTS.items():
        op.execute(
            f"CREATE FUNCTION cache_requests_{event}_bump() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN IF EXISTS ({test}) THEN {_bump(SESSIONS)}; END IF;"
            " RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER cache_requests_{event} AFTER {event.upper()} ON requests"
            f" {referencing} FOR EACH STATEMENT EXECUTE FUNCTION cache_requests_{event}_bump()"
        )
    op.execute(
        "CREATE TRIGGER cache_requests_truncate AFTER TRUNCATE ON requests"
        " FOR EACH STATEMENT EXECUTE FUNCTION cache_training_sessions_bump()"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in PLAIN_TABLES:
        if postgres:
            op.execute(f"DROP TRIGGER cache_{table} ON {table}")
            op.execute(f"DROP FUNCTION cache_{table}_bump()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER cache_{table}_{event}")
    if postgres:
        op.execute("DROP TRIGGER cache_requests_truncate ON requests")
    for event in SQLITE_REQUEST_TRIGGERS:
        if postgres:
            op.execute(f"DROP TRIGGER cache_requests_{event} ON requests")
            op.execute(f"DROP FUNCTION cache_requests_{event}_bump()")
        else:
            op.execute(f"DROP TRIGGER cache_requests_{event}")
    op.drop_table("cache_versions")
