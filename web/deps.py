"""Typed dependencies of the routes: a database session per request, the posted form.

Route handlers are plain `def` functions: Starlette runs them on its thread pool, so database
work, password hashing and rendering never block the event loop (docs/decisions/0005). The
session reads; the service functions the handlers call open their own write transactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

# Large enough for any wizard step, small enough that a hostile post cannot fill memory.
MAX_FIELDS = 1000
MAX_PART_SIZE = 64 * 1024


def get_db(request: Request) -> Iterator[Session]:
    """A session per request, run on the thread pool like the handlers (opening and closing
    it may wait for the database). It reads; `engine.service.transaction.writing` writes."""
    with request.app.state.sessions() as db:
        try:
            yield db
        finally:
            if db.in_transaction():
                db.rollback()


def form_parser(
    *, max_files: int = 0, max_fields: int = MAX_FIELDS, max_part_size: int = MAX_PART_SIZE
) -> Callable[[Request], Awaitable[FormData]]:
    """A dependency reading the posted form within these bounds. Reading the body waits on the
    network, so it stays in the event loop; the handler then runs on the thread pool."""

    async def posted(request: Request) -> FormData:
        return await request.form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )

    return posted


posted_form = form_parser()


# The session ends when the handler returns, before the response is sent: a transaction never
# stays open while the event loop serves other requests (on SQLite, a write lock held across
# an await would stall every other writer of this process).
Db = Annotated[Session, Depends(get_db, scope="function")]
Form = Annotated[FormData, Depends(posted_form)]
