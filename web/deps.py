"""Typed dependencies of the routes: a database session per request, the posted form.

Route handlers are `async def` and call the database directly: each request's database work
is a few short statements, and running them in the event loop costs half the CPU of handing
every request to a thread (measured with bench/web_bench.py). Work that is slow by design
(password hashing) goes to a thread; more processes (`uvicorn --workers`) add parallelism."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

# Large enough for any wizard step, small enough that a hostile post cannot fill memory.
MAX_FIELDS = 1000
MAX_PART_SIZE = 64 * 1024


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_db(request: Request) -> AsyncIterator[Session]:
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


# The session ends when the handler returns, before the response is sent: a transaction never
# stays open while the event loop serves other requests (on SQLite, a write lock held across
# an await would stall every other writer of this process).
Db = Annotated[Session, Depends(get_db, scope="function")]
Form = Annotated[FormData, Depends(posted_form)]
