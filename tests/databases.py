"""A PostgreSQL database of its own for a test run: created on the server at
ONBOARDING_TEST_POSTGRES_URL (default: the local server, database `test`), dropped at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "ONBOARDING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_database() -> Iterator[str]:
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"onboarding_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is required by the test suite and is not reachable at {POSTGRES_URL} "
            f"({error.__class__.__name__}: {error}); set ONBOARDING_TEST_POSTGRES_URL"
        )
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
