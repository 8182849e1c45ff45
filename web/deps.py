"""Typed dependencies of the routes: a database session per request, the posted form.

Route handlers are plain `def` functions: Starlette runs them on its thread pool, so database
work, password hashing and rendering never block the event loop (docs/decisions/0007). The
session reads; the service functions the handlers call open their own write transactions."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

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


# Text areas send tabs and line breaks (CR LF); no field takes any other control character,
# and PostgreSQL cannot store NUL in a text at all. Files: text (CSV), in UTF-8 or Windows-1252,
# whose bytes 0x80-0x9F are letters, so only the C0 controls and DEL are foreign there.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnacceptableForm(Exception):
    """A posted form holding characters that no field accepts: refused as a whole (400), so
    that no handler ever sees them."""


async def _check(form: FormData, max_file_size: int) -> None:
    for name, value in form.multi_items():
        if CONTROL_CHARACTERS.search(name):
            raise UnacceptableForm(name)
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                raise UnacceptableForm(name)
        elif isinstance(value, UploadFile):
            # Handlers read no more of a file than a form part may hold.
            data = await value.read(max_file_size)
            await value.seek(0)
            if CONTROL_BYTES.search(data):
                raise UnacceptableForm(name)


def form_of(
    *, max_fields: int = MAX_FIELDS, max_files: int = 0, max_part_size: int = MAX_PART_SIZE
) -> Callable[[Request], Awaitable[FormData]]:
    """A dependency giving the posted form, within these limits, once it holds nothing that no
    field accepts (UnacceptableForm otherwise)."""

    async def read_form(request: Request) -> FormData:
        form = await request.form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )
        await _check(form, max_part_size)
        return form

    return read_form


posted_form = form_of()


# The session ends when the handler returns, before the response is sent: a transaction never
# stays open while the event loop serves other requests (on SQLite, a write lock held across
# an await would stall every other writer of this process).
Db = Annotated[Session, Depends(get_db, scope="function")]
Form = Annotated[FormData, Depends(posted_form)]
