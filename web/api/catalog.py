"""The API's reference lists and training sessions: read, add, change. Roles that manage them in
the backoffice (`manage` and above) may; entries and sessions are read and checked by the same
functions as the backoffice's forms (`read_entry`, `read_session`), so the same rules hold."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.compiled import CompiledWorkflow
from engine.service import reference_admin as admin
from engine.service.catalog import normalise_search
from engine.service.imports import SessionInput, format_moment, read_session
from engine.service.sessions import (
    add_session,
    find_session,
    seats_taken,
    set_session_open,
    update_session,
)
from engine.spec.reference import ReferenceList
from engine.store.models import ReferenceEntryRow, TrainingSession
from engine.translations import DEFAULT_LANGUAGE, translate

from ..deps import Db
from ..params import MAX_PAGE, MAX_SEARCH, EntryId, SessionCode, SpecId
from .common import ERRORS, ApiError, Caller, workflow_for
from .schemas import (
    EntryChange,
    EntryNew,
    EntryOut,
    EntryPage,
    ListColumn,
    ReferenceListOut,
    ReferenceLists,
    SessionChange,
    SessionList,
    SessionNew,
    SessionOut,
    StateOut,
)

router = APIRouter(responses=ERRORS)

PAGE_SIZE = 100


def _text(compiled: CompiledWorkflow, value: Any) -> str:
    return compiled.text(value, compiled.spec.locale) if value is not None else ""


def _invalid(errors: dict[str, str]) -> ApiError:
    # The API's messages are in the product's default language, as its own ones (decision 0022).
    fields = {name: translate(DEFAULT_LANGUAGE, message) for name, message in errors.items()}
    return ApiError(422, "invalid", "Certaines valeurs ne conviennent pas.", fields=fields)


# -- reference lists ----------------------------------------------------------------------------


def _list_out(compiled: CompiledWorkflow, ref: ReferenceList) -> ReferenceListOut:
    return ReferenceListOut(
        id=ref.id,
        label=_text(compiled, ref.label),
        columns=[
            ListColumn(
                id=c.id,
                label=_text(compiled, c.label),
                type=c.type,
                required=c.required,
                list=c.list,
            )
            for c in ref.fields
        ],
        statuses=[StateOut(id=s.id, label=_text(compiled, s.label)) for s in ref.statuses],
    )


def _entry_out(row: ReferenceEntryRow) -> EntryOut:
    return EntryOut(
        id=row.entry_id,
        label=row.label,
        status=row.status,
        active=row.active,
        values=dict(row.values or {}),
    )


def _list(compiled: CompiledWorkflow, list_id: str) -> ReferenceList:
    ref = admin.find_list(compiled, list_id)
    if ref is None:
        raise ApiError(404, "not_found", f"Aucune liste « {list_id} ».")
    return ref


def _entry(db: Session, compiled: CompiledWorkflow, ref: ReferenceList, entry_id: str) -> Any:
    row = admin.entry(db, compiled.spec.id, ref.id, entry_id)
    if row is None:
        raise ApiError(404, "not_found", f"Aucune entrée « {entry_id} » dans « {ref.id} ».")
    return row


def _raw_values(ref: ReferenceList, label: str, values: dict[str, Any]) -> dict[str, str]:
    """The entry as the backoffice's form posts it, for the same reader."""
    unknown = sorted(set(values) - {c.id for c in ref.fields})
    if unknown:
        raise _invalid({name: "Colonne inconnue dans cette liste." for name in unknown[:20]})
    raw = {"label": label}
    for column in ref.fields:
        value = values.get(column.id)
        if isinstance(value, bool):
            raw[column.id] = "oui" if value else "non"
        elif value is None:
            raw[column.id] = "non" if column.type == "boolean" else ""
        else:
            raw[column.id] = str(value)
    return raw


@router.get("/workflows/{workflow_id}/lists", response_model=ReferenceLists)
def reference_lists(request: Request, who: Caller, workflow_id: SpecId) -> ReferenceLists:
    compiled = workflow_for(request, workflow_id, who, "manage")
    return ReferenceLists(lists=[_list_out(compiled, r) for r in compiled.spec.reference_lists])


@router.get("/workflows/{workflow_id}/lists/{list_id}/entries", response_model=EntryPage)
def list_entries(
    request: Request,
    db: Db,
    who: Caller,
    workflow_id: SpecId,
    list_id: SpecId,
    q: Annotated[str | None, Query(max_length=MAX_SEARCH)] = None,
    active: bool | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> EntryPage:
    """The list's entries in its order, 100 a page; `q` searches as the backoffice does."""
    compiled = workflow_for(request, workflow_id, who, "manage")
    ref = _list(compiled, list_id)
    query = select(ReferenceEntryRow).where(
        ReferenceEntryRow.workflow_id == compiled.spec.id, ReferenceEntryRow.list_id == ref.id
    )
    for word in normalise_search(q or "").split()[:6]:
        query = query.where(ReferenceEntryRow.search_text.contains(word, autoescape=True))
    if active is not None:
        query = query.where(ReferenceEntryRow.active.is_(active))
    total = int(db.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = db.execute(
        query.order_by(ReferenceEntryRow.position, ReferenceEntryRow.label, ReferenceEntryRow.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).scalars()
    return EntryPage(
        items=[_entry_out(r) for r in rows],
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    )


@router.get("/workflows/{workflow_id}/lists/{list_id}/entries/{entry_id}", response_model=EntryOut)
def read_entry(
    request: Request, db: Db, who: Caller, workflow_id: SpecId, list_id: SpecId, entry_id: EntryId
) -> EntryOut:
    compiled = workflow_for(request, workflow_id, who, "manage")
    ref = _list(compiled, list_id)
    return _entry_out(_entry(db, compiled, ref, entry_id))


@router.post(
    "/workflows/{workflow_id}/lists/{list_id}/entries",
    response_model=EntryOut,
    status_code=201,
)
def create_entry(
    request: Request, db: Db, who: Caller, workflow_id: SpecId, list_id: SpecId, body: EntryNew
) -> JSONResponse:
    """A new entry, active; its id is made from its label, as in the backoffice."""
    compiled = workflow_for(request, workflow_id, who, "manage")
    ref = _list(compiled, list_id)
    raw = _raw_values(ref, body.label, body.values)
    data = admin.read_entry(compiled, ref, raw, admin.Lookup.load(db, compiled, ref))
    if data.errors:
        raise _invalid(data.errors)
    row = admin.add_entry(db, compiled, ref, data)
    return JSONResponse(_entry_out(row).model_dump(mode="json"), status_code=201)


@router.patch(
    "/workflows/{workflow_id}/lists/{list_id}/entries/{entry_id}", response_model=EntryOut
)
def change_entry(
    request: Request,
    db: Db,
    who: Caller,
    workflow_id: SpecId,
    list_id: SpecId,
    entry_id: EntryId,
    body: EntryChange,
) -> EntryOut:
    """Changes what the body gives (label, values, status, active); values not given stay."""
    compiled = workflow_for(request, workflow_id, who, "manage")
    ref = _list(compiled, list_id)
    row = _entry(db, compiled, ref, entry_id)
    if body.label is not None or body.values is not None or body.status is not None:
        values = {**(row.values or {}), **(body.values or {})}
        raw = _raw_values(ref, row.label if body.label is None else body.label, values)
        data = admin.read_entry(compiled, ref, raw, admin.Lookup.load(db, compiled, ref))
        labels = admin.status_labels(compiled, ref)
        if body.status is not None and body.status not in labels:
            data.errors["status"] = "Statut inconnu."
        if data.errors:
            raise _invalid(data.errors)
        admin.save_entry(db, row, ref, data, body.status)
    if body.active is not None and body.active != row.active:
        admin.set_entry_active(db, row, body.active)
    db.refresh(row)
    return _entry_out(row)


# -- training sessions --------------------------------------------------------------------------


def _session_out(db: Session, compiled: CompiledWorkflow, session: TrainingSession) -> SessionOut:
    return SessionOut(
        code=session.code,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place=session.place,
        capacity=session.capacity,
        is_open=session.is_open,
        seats_taken=seats_taken(db, compiled, session.code),
    )


def _session(db: Session, compiled: CompiledWorkflow, code: str) -> TrainingSession:
    session = find_session(db, compiled.spec.id, code)
    if session is None:
        raise ApiError(404, "not_found", f"Aucune session « {code} ».")
    return session


def _read(raw: dict[str, str], request: Request, *, with_code: bool) -> SessionInput:
    data = read_session(raw, request.app.state.runtime.zone, with_code=with_code)
    if data.errors:
        raise _invalid(data.errors)
    return data


@router.get("/workflows/{workflow_id}/sessions", response_model=SessionList)
def sessions(request: Request, db: Db, who: Caller, workflow_id: SpecId) -> SessionList:
    """Every training session of the workflow, the latest first."""
    compiled = workflow_for(request, workflow_id, who, "manage")
    found = db.execute(
        select(TrainingSession)
        .where(TrainingSession.workflow_id == compiled.spec.id)
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id)
    ).scalars()
    return SessionList(sessions=[_session_out(db, compiled, s) for s in found])


@router.get("/workflows/{workflow_id}/sessions/{code}", response_model=SessionOut)
def read_session_(
    request: Request, db: Db, who: Caller, workflow_id: SpecId, code: SessionCode
) -> SessionOut:
    compiled = workflow_for(request, workflow_id, who, "manage")
    return _session_out(db, compiled, _session(db, compiled, code))


@router.post("/workflows/{workflow_id}/sessions", response_model=SessionOut, status_code=201)
def create_session(
    request: Request, db: Db, who: Caller, workflow_id: SpecId, body: SessionNew
) -> JSONResponse:
    compiled = workflow_for(request, workflow_id, who, "manage")
    raw = {
        "code": body.code,
        "title": body.title,
        "starts_at": body.starts_at,
        "ends_at": body.ends_at,
        "place": body.place,
        "capacity": str(body.capacity),
    }
    data = _read(raw, request, with_code=True)
    code = data.values["code"]
    taken = {"code": f"Une session porte déjà le code « {code} »."}
    if find_session(db, compiled.spec.id, code) is not None:
        raise ApiError(409, "exists", taken["code"], fields=taken)
    values = {k: v for k, v in data.values.items() if k != "is_open"}
    try:
        session = add_session(db, compiled.spec.id, values)
    except IntegrityError as error:
        raise ApiError(409, "exists", taken["code"], fields=taken) from error
    if not body.is_open:
        set_session_open(db, session, False)
    db.refresh(session)
    return JSONResponse(
        _session_out(db, compiled, session).model_dump(mode="json"), status_code=201
    )


@router.patch("/workflows/{workflow_id}/sessions/{code}", response_model=SessionOut)
def change_session(
    request: Request,
    db: Db,
    who: Caller,
    workflow_id: SpecId,
    code: SessionCode,
    body: SessionChange,
) -> SessionOut:
    """Changes what the body gives; `is_open` opens or closes it to registrations."""
    compiled = workflow_for(request, workflow_id, who, "manage")
    session = _session(db, compiled, code)
    zone = request.app.state.runtime.zone
    given = body.model_dump(exclude_unset=True, exclude_none=True)
    if set(given) - {"is_open"}:
        raw = {
            "code": session.code,
            "title": given.get("title", session.title),
            "starts_at": given.get("starts_at", format_moment(session.starts_at, zone)),
            "ends_at": given.get("ends_at", format_moment(session.ends_at, zone)),
            "place": given.get("place", session.place),
            "capacity": str(given.get("capacity", session.capacity)),
        }
        data = _read(raw, request, with_code=False)
        names = ("title", "starts_at", "ends_at", "place", "capacity")
        runtime = request.app.state.runtime
        update_session(
            db, compiled, session, {name: data.values[name] for name in names}, runtime.now()
        )
    if body.is_open is not None and body.is_open != session.is_open:
        set_session_open(db, session, body.is_open)
    db.refresh(session)
    return _session_out(db, compiled, session)
