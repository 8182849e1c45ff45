"""The JSON API's bodies, as pydantic models: what the handlers return is validated against them,
and the OpenAPI document describes them, so a client reads the real shape of every answer.

Everything a client sends is bounded here: texts by length and without control characters
(PostgreSQL cannot store NUL; no field takes the others), numbers by the database's range, maps
by their number of keys. Anything else is refused before a handler runs (web/api/app.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from engine.service.reference_admin import LABEL_MAX

from ..deps import CONTROL_CHARACTERS
from ..params import ROW_ID_MAX

MAX_COMMENT = 5000  # as the backoffice's transition form
MAX_VALUE = 400  # as a posted field of the backoffice's forms
MAX_VALUES = 100  # columns of one reference entry

_MULTILINE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _one_line(value: str) -> str:
    if CONTROL_CHARACTERS.search(value) or "\n" in value or "\r" in value:
        raise ValueError("control characters are not accepted here")
    return value


def _lines(value: str) -> str:
    if _MULTILINE_CONTROLS.search(value):
        raise ValueError("control characters are not accepted here (line breaks and tabs are)")
    return value


def OneLine(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_one_line)]


def Lines(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_lines)]


class Body(BaseModel):
    """What a client sends: unknown keys are refused, so a misspelt one is not ignored."""

    model_config = ConfigDict(extra="forbid")


# -- errors -------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, for programs: `unauthenticated`, `stale_version`...")
    message: str = Field(description="for people, in French")
    current_version: int | None = Field(
        None, description="with `stale_version`: the request's version now"
    )
    fields: dict[str, str] | None = Field(
        None, description="with `invalid`: what is wrong, by field"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


# -- workflows ----------------------------------------------------------------------------------


class StateOut(BaseModel):
    id: str
    label: str


class StateInfo(StateOut):
    category: str | None
    final: bool


class ListInfo(BaseModel):
    id: str
    label: str


class WorkflowOut(BaseModel):
    id: str
    title: str
    level: Literal["none", "process", "manage", "admin"] = Field(
        description="what the token's role reaches, as in the backoffice"
    )
    personal_data: bool = Field(description="whether answers and identities are given")
    states: list[StateInfo]
    reference_lists: list[ListInfo]
    has_sessions: bool


class WorkflowList(BaseModel):
    workflows: list[WorkflowOut]


# -- requests -----------------------------------------------------------------------------------


class Applicant(BaseModel):
    name: str | None
    email: str | None


class RequestSummary(BaseModel):
    reference: str | None
    public_id: str
    state: StateOut
    session_code: str | None
    submitted_at: datetime | None
    created_at: datetime
    version: int
    applicant: Applicant | None = Field(description="null for roles without personal data")


class RequestPage(BaseModel):
    items: list[RequestSummary]
    total: int = Field(description="requests under these filters (a floor when `total_capped`)")
    total_capped: bool
    next: str | None = Field(description="cursor of the next page (`after`), null at the end")
    previous: str | None = Field(description="cursor of the previous page (`before`)")


class Answer(BaseModel):
    step: str
    field: str
    label: str
    value: Any = Field(description="the stored answer")
    shown: str = Field(description="the answer as the backoffice shows it")


class HistoryItem(BaseModel):
    at: datetime
    transition: str
    from_state: str
    to_state: str
    actor_kind: str
    actor_name: str | None
    role: str | None
    comment: str | None


class MailItem(BaseModel):
    id: int
    template: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    subject: str | None
    to: list[str] | None
    cc: list[str] | None


class DocumentItem(BaseModel):
    id: int
    document_id: str
    filename: str | None
    size: int
    created_at: datetime


class CommentInfo(BaseModel):
    label: str
    required: bool


class TransitionOut(BaseModel):
    id: str
    label: str
    enabled: bool
    reason: str | None
    comment: CommentInfo | None
    confirm: str | None = Field(description="the question the backoffice asks before firing")


class RequestDetail(RequestSummary):
    personal_data: bool
    answers: list[Answer] | None = Field(description="null for roles without personal data")
    history: list[HistoryItem]
    mails: list[MailItem]
    documents: list[DocumentItem]
    transitions: list[TransitionOut] = Field(description="those this token may fire from here")


class Firing(Body):
    version: int = Field(ge=0, le=ROW_ID_MAX, description="the version read (optimistic locking)")
    comment: Lines(MAX_COMMENT) | None = None  # type: ignore[valid-type]


# -- reference lists ----------------------------------------------------------------------------

EntryValue = OneLine(MAX_VALUE) | Annotated[int, Field(ge=-(10**15), le=10**15)] | bool | None


class ListColumn(BaseModel):
    id: str
    label: str
    type: str
    required: bool
    list: str | None


class ReferenceListOut(BaseModel):
    id: str
    label: str
    columns: list[ListColumn]
    statuses: list[StateOut]


class ReferenceLists(BaseModel):
    lists: list[ReferenceListOut]


class EntryOut(BaseModel):
    id: str
    label: str
    status: str | None
    active: bool
    values: dict[str, Any]


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int
    page: int
    pages: int


class EntryNew(Body):
    label: OneLine(LABEL_MAX)  # type: ignore[valid-type]
    values: dict[OneLine(64), EntryValue] = Field(  # type: ignore[valid-type]
        default_factory=dict, max_length=MAX_VALUES
    )


class EntryChange(Body):
    label: OneLine(LABEL_MAX) | None = None  # type: ignore[valid-type]
    values: dict[OneLine(64), EntryValue] | None = Field(  # type: ignore[valid-type]
        None, max_length=MAX_VALUES
    )
    status: OneLine(64) | None = None  # type: ignore[valid-type]
    active: bool | None = None


# -- training sessions --------------------------------------------------------------------------

Moment = OneLine(40)


class SessionOut(BaseModel):
    code: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    is_open: bool
    seats_taken: int


class SessionList(BaseModel):
    sessions: list[SessionOut]


_MOMENT_HELP = "local time of the workflow, `aaaa-mm-jjThh:mm` (or `jj/mm/aaaa hh:mm`)"


class SessionNew(Body):
    code: OneLine(64)  # type: ignore[valid-type]
    title: OneLine(MAX_VALUE)  # type: ignore[valid-type]
    starts_at: Moment = Field(description=_MOMENT_HELP)  # type: ignore[valid-type]
    ends_at: Moment = Field(description=_MOMENT_HELP)  # type: ignore[valid-type]
    place: OneLine(MAX_VALUE) = ""  # type: ignore[valid-type]
    capacity: int = Field(ge=0, le=ROW_ID_MAX)
    is_open: bool = True


class SessionChange(Body):
    title: OneLine(MAX_VALUE) | None = None  # type: ignore[valid-type]
    starts_at: Moment | None = Field(None, description=_MOMENT_HELP)  # type: ignore[valid-type]
    ends_at: Moment | None = Field(None, description=_MOMENT_HELP)  # type: ignore[valid-type]
    place: OneLine(MAX_VALUE) | None = None  # type: ignore[valid-type]
    capacity: int | None = Field(None, ge=0, le=ROW_ID_MAX)
    is_open: bool | None = None
