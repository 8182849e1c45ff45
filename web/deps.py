"""Typed dependencies of the routes: a database session per request, the posted form."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

# Large enough for any wizard step, small enough that a hostile post cannot fill memory.
MAX_FIELDS = 1000
MAX_PART_SIZE = 64 * 1024


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """A session per request; posts may write, so on SQLite they take the write lock first."""
    factory = (
        request.app.state.sessions
        if request.method in SAFE_METHODS
        else request.app.state.write_sessions
    )
    with factory() as db:
        try:
            yield db
        finally:
            if db.in_transaction():
                db.rollback()


async def posted_form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART_SIZE)
