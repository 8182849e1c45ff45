"""Typed dependencies of the routes: a database session per request, the posted form.

Route handlers are plain `def` functions: Starlette runs them on its thread pool, so database
work, password hashing and rendering never block the event loop (docs/decisions/0007). The
session reads; the service functions the handlers call open their own write transactions.

A request crosses to the thread pool once: creating a session touches no database (it
connects at its first statement, in the handler), and the routes of `SessionClosingRoute` open
and end it in the handler's thread (`HandlerDb`: no dependency to resolve, no cleanup step), so
nothing else needs a thread. Their other dependencies are `async def` for the same reason
(tests/web/test_thread_crossings.py)."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

# Large enough for any wizard step, small enough that a hostile post cannot fill memory.
MAX_FIELDS = 1000
MAX_PART_SIZE = 64 * 1024


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request. It reads; `engine.service.transaction.writing` writes. Created in
    the event loop (no connection yet); closed there when the handler already ended it,
    otherwise on the thread pool (ending a transaction may wait for the database)."""
    db: Session = request.app.state.sessions()
    try:
        yield db
    finally:
        if db.in_transaction():
            await to_thread.run_sync(db.close)
        else:
            db.close()


async def open_db(request: Request) -> Session:
    """What `HandlerDb` resolves to outside `SessionClosingRoute`, which gives the session
    itself: nothing would close it there (tests/web/test_thread_crossings.py refuses it)."""
    return request.app.state.sessions()


def _close_sessions(arguments: dict[str, Any]) -> None:
    for value in arguments.values():
        db = value if isinstance(value, Session) else getattr(value, "db", None)
        if isinstance(db, Session):
            db.close()  # ends its transaction, gives its connection back to the pool


class SessionClosingRoute(APIRoute):
    """A route whose plain `def` handler is given its `HandlerDb` session by the route, in the
    handler's thread, and ends it there with the other sessions it was given (a desk's `db`)
    before returning: neither a dependency to resolve for the session nor a cleanup step
    with a second trip to the thread pool."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _closing(endpoint)
        super().__init__(path, endpoint, **options)


def _closing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` as FastAPI calls it: without its `HandlerDb` parameters (opened here) and
    with the request they are opened from (added when `endpoint` does not take it)."""
    signature = inspect.signature(endpoint, eval_str=True)
    given = [name for name, p in signature.parameters.items() if p.annotation is HandlerDb]
    parameters = [p for p in signature.parameters.values() if p.name not in given]
    request_name = next((p.name for p in parameters if p.annotation is Request), None)
    added = given and request_name is None
    if added:
        request_name = "request"
        request = inspect.Parameter("request", _BY_NAME_OR_POSITION, annotation=Request)
        parameters.insert(0, request)

    @functools.wraps(endpoint)
    def run(**kwargs: Any) -> Any:
        if given:
            sessions = kwargs[request_name].app.state.sessions
            kwargs.update({name: sessions() for name in given})
            if added:
                del kwargs["request"]
        try:
            return endpoint(**kwargs)
        finally:
            _close_sessions(kwargs)

    # FastAPI reads the parameters from here (annotations already evaluated).
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return run


_BY_NAME_OR_POSITION = inspect.Parameter.POSITIONAL_OR_KEYWORD


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
HandlerDb = Annotated[Session, Depends(open_db)]  # the routes of SessionClosingRoute
Form = Annotated[FormData, Depends(posted_form)]
