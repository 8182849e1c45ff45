"""The parameters of the web layer's addresses, each bounded to what it can name.

Every route declares its path and query parameters with these types, so a value no route can
use is refused before a handler runs: a row id beyond what the database's integer columns hold,
an identifier that no spec can declare, a text longer than any form sends. A refused path
parameter answers 404 (the address names nothing), a refused query parameter 400 (the page
exists, the question asked of it is malformed); see `web.app`'s error pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import StringConstraints

from engine.service.imports import SESSION_CODE
from engine.service.reference_admin import ENTRY_ID
from engine.spec_types import IDENTIFIER_PATTERN

# Every id column is `Integer`: 32-bit on PostgreSQL, so a larger number can name no row (and
# would make the database refuse the query instead of finding nothing).
ROW_ID_MAX = 2**31 - 1
MAX_PAGE = 10**6
MAX_TOKEN = 500  # a signed link or a resume token is far shorter
MAX_SEARCH = 200
MAX_WORD = 64  # a filter, sort key or code chosen from a list, as long as the ids of a spec
MAX_TARGET = 500  # an address of this site to come back to
MAX_KEYS = 200  # the columns ticked in an export form

# -- path parameters: a value that does not fit names nothing, hence 404 ----------------------

RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
# Anything a spec declares with an identifier: a workflow, a step, a field, a transition, a
# reference list, a link, a document.
SpecId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN, max_length=64)]
EntryId = Annotated[str, Path(pattern=ENTRY_ID.pattern)]
SessionCode = Annotated[str, Path(pattern=SESSION_CODE.pattern)]
# `<session code or workflow id>-<number>`, the column holds 80 characters.
Reference = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
# What a button does to the thing named before it (`ouvrir`, `desactiver`...).
Action = Annotated[str, Path(pattern=r"^[a-z][a-z-]{0,31}$")]
# Signed or random, checked by whoever reads it; only its length is known here, so that a
# malformed token still gets the page that says the link is not valid.
Token = Annotated[str, Path(min_length=1, max_length=MAX_TOKEN)]

# -- query parameters: the page exists, the question is malformed, hence 400 -------------------

Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
SearchText = Annotated[str, Query(max_length=MAX_SEARCH)]
# A value chosen from a list (a status, a tab, a sort key, a session code): an unknown one is
# ignored by the page, a longer one is no choice at all.
Choice = Annotated[str, Query(max_length=MAX_WORD)]
# A day as typed in a filter (jj/mm/aaaa or aaaa-mm-jj, spaces around): the page explains a
# wrong one, a longer one is no date at all.
DayText = Annotated[str, Query(max_length=40)]
# A switch in the address (`?repris=1`): whether it is there is all that counts.
Flag = Annotated[str, Query(max_length=16)]
RequestReference = Annotated[str, Query(max_length=80)]
Target = Annotated[str, Query(max_length=MAX_TARGET)]
Choices = Annotated[
    list[Annotated[str, StringConstraints(max_length=MAX_WORD)]], Query(max_length=MAX_KEYS)
]


# -- the session code of a wizard's address -----------------------------------------------------

# The default of a wizard handler's `code` (`code: str | None = CodeInPath`): the session code
# of `/<wizard path>/<code>/...`, a path parameter validated as the others, for workflows with a
# session field. Not a dependency of its own: each one costs FastAPI a resolution per request.
CodeInPath = Path(pattern=SESSION_CODE.pattern)


async def no_session_code() -> None:
    """Workflows without a session field have no code in their addresses. `async`: a plain
    `def` dependency is run on the thread pool, a second crossing per request."""
    return None


NoCode = Depends(no_session_code)
