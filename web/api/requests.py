"""The API's workflows and requests: the list with the queue's filters and keyset cursors, one
request as its backoffice page shows it, and firing a transition with the version read.

The rules are the backoffice's, through the same services: the queue (`request_list`), the
request's history, mails and documents (`request_detail`), the transitions a role may fire and
firing them (`RequestService.available`, `.fire`: roles, conditions, comment, version). Answers
and identities go only to the roles that may open a request's page (`sees_personal_data`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from engine.compiled import CompiledWorkflow
from engine.process.actors import Actor
from engine.process.firing import (
    CommentRequired,
    ConditionNotMet,
    FireError,
    NotAllowed,
    NotFromThisState,
    UnknownTransition,
)
from engine.service import request_detail, request_list
from engine.service.api_tokens import ApiCaller
from engine.service.context import Runtime
from engine.service.removed_states import removed_states
from engine.service.request_columns import applicant_name
from engine.service.requests import Conflict, RequestService, session_field
from engine.store.models import RequestRow
from engine.wizard.display import display_answers

from ..deps import Db
from ..params import MAX_SEARCH, MAX_WORD, Reference, SpecId
from .common import CONFLICT, ERRORS, ApiError, Caller, workflow_for
from .schemas import (
    Answer,
    Applicant,
    CommentInfo,
    DocumentItem,
    Firing,
    HistoryItem,
    ListInfo,
    MailItem,
    RequestDetail,
    RequestPage,
    RequestSummary,
    StateInfo,
    StateOut,
    TransitionOut,
    WorkflowList,
    WorkflowOut,
)

router = APIRouter(responses=ERRORS)

MAX_LIMIT = 100


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _text(compiled: CompiledWorkflow, value: Any) -> str:
    return compiled.text(value, compiled.spec.locale) if value is not None else ""


# -- workflows ----------------------------------------------------------------------------------


@router.get("/workflows", response_model=WorkflowList)
def workflows(request: Request, who: Caller) -> WorkflowList:
    """The workflows that declare the token's role."""
    found = []
    for compiled in runtime_of(request).registry.current.values():
        if who.role not in {r.id for r in compiled.spec.roles}:
            continue
        spec = compiled.spec
        found.append(
            WorkflowOut(
                id=spec.id,
                title=_text(compiled, spec.title),
                level=who.level_in(compiled),  # type: ignore[arg-type]
                personal_data=who.sees_personal_data(compiled),
                states=[
                    StateInfo(
                        id=s.id, label=_text(compiled, s.label), category=s.category, final=s.final
                    )
                    for s in spec.process.states
                ],
                reference_lists=[
                    ListInfo(id=r.id, label=_text(compiled, r.label)) for r in spec.reference_lists
                ],
                has_sessions=session_field(compiled) is not None,
            )
        )
    return WorkflowList(workflows=found)


# -- the list -----------------------------------------------------------------------------------

QUEUE_PARAMETERS = {
    *("state", "category", "session", "q", "sort", "order", "after", "before", "limit")
}
Word = Annotated[str | None, Query(max_length=MAX_WORD, pattern=r"^[A-Za-z0-9_-]*$")]


def _state_label(runtime: Runtime, db: Session, current: CompiledWorkflow, row: Any) -> StateOut:
    """The state's label in the request's own version of the workflow, else the current one."""
    compiled = current
    if row.state not in current.states:
        compiled = runtime.registry.version(db, row.spec_hash)
    spec = compiled.states.get(row.state)
    return StateOut(id=row.state, label=_text(compiled, spec.label) if spec else row.state)


@router.get("/workflows/{workflow_id}/requests", response_model=RequestPage)
def list_requests(
    request: Request,
    db: Db,
    who: Caller,
    workflow_id: SpecId,
    state: Word = None,
    category: Word = None,
    session: Word = None,
    q: Annotated[str | None, Query(max_length=MAX_SEARCH)] = None,
    sort: Annotated[str, Query(pattern=r"^(submitted|reference|state)$")] = "submitted",
    order: Annotated[str, Query(pattern=r"^(asc|desc)$")] = "desc",
    after: Word = None,
    before: Word = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = request_list.PAGE_SIZE,
) -> RequestPage:
    """Submitted requests (drafts are not requests yet), newest first, as the backoffice's
    queue filters and pages them: `after` (or `before`) is the cursor of the page read."""
    unknown = sorted(set(request.query_params) - QUEUE_PARAMETERS)
    if unknown:
        raise ApiError(400, "bad_query", f"Paramètre(s) inconnu(s) : {', '.join(unknown)}.")
    compiled = workflow_for(request, workflow_id, who, "none")
    process = compiled.spec.process
    # Requests of an earlier version in a state this one removed are listed too (decision 0019).
    removed = removed_states(db, runtime_of(request).registry, compiled, compiled.spec.locale)
    states = tuple(s.id for s in process.states if s.id != process.initial)
    states += tuple(r.id for r in removed)
    if category is not None:
        if category not in {c.id for c in process.categories}:
            raise ApiError(400, "bad_query", f"Catégorie inconnue : « {category} ».")
        states = tuple(s.id for s in process.states if s.category == category and s.id in states)
        states += tuple(r.id for r in removed if r.category == category)
    if state is not None and state not in states:
        raise ApiError(400, "bad_query", f"État inconnu ici : « {state} ».")
    if after and before:
        raise ApiError(400, "bad_query", "Donnez `after` ou `before`, pas les deux.")
    text = " ".join((q or "").split())
    reference = request_list.exact_reference(db, compiled.spec.id, text)
    query = request_list.QueueQuery(
        states=states,
        submitted=True,
        state=state,
        session_code=session or None,
        words=() if reference else request_list.search_words(text),
        reference=reference,
        sort=sort,
        descending=order == "desc",
        limit=limit,
        state_order=tuple(s.id for s in process.states),
        after=after or None,
        before=before or None,
    )
    cursor = after or before
    if cursor and not request_list.has_cursor(db, compiled.spec.id, query):
        raise ApiError(400, "bad_query", f"Curseur inconnu : « {cursor} ».")
    page = request_list.queue_page(db, compiled.spec.id, query)
    personal = who.sees_personal_data(compiled)
    runtime = runtime_of(request)
    items = [
        RequestSummary(
            reference=r.reference,
            public_id=r.public_id,
            state=_state_label(runtime, db, compiled, r),
            session_code=r.session_code,
            submitted_at=r.submitted_at,
            created_at=r.created_at,
            version=r.version,
            applicant=Applicant(name=r.applicant_name, email=r.applicant_email)
            if personal
            else None,
        )
        for r in page.rows
    ]
    full = len(page.rows) == limit
    return RequestPage(
        items=items,
        total=page.total.n,
        total_capped=page.total.capped,
        next=page.rows[-1].public_id if page.rows and (full or before) else None,
        previous=page.rows[0].public_id if page.rows and (after or (before and full)) else None,
    )


# -- one request --------------------------------------------------------------------------------


def _actor(who: ApiCaller, compiled: CompiledWorkflow) -> Actor:
    return Actor.user(who.actor_name, who.roles_in(compiled))


def _answers(service: RequestService, row: RequestRow, compiled: CompiledWorkflow) -> list[Answer]:
    """The answers of the visible steps, as the request's backoffice page lists them."""
    extras = service.extras(row, compiled)
    answers: Mapping[str, Any] = row.answers or {}
    locale = compiled.spec.locale
    shown = display_answers(compiled.fields, answers, locale, locale, extras["entries"])
    found = []
    for step in compiled.wizard.visible_steps(answers, extras):
        for field in compiled.wizard.visible_fields(step, answers, extras):
            spec = field.spec
            label = getattr(spec, "label", None)
            if not spec.has_answer or label is None:
                continue
            found.append(
                Answer(
                    step=step.spec.id,
                    field=spec.id,
                    label=_text(compiled, label),
                    value=answers.get(spec.id),
                    shown=str(shown.get(spec.id, "")),
                )
            )
    return found


def detail_of(
    request: Request, db: Session, who: ApiCaller, workflow: CompiledWorkflow, row: RequestRow
) -> RequestDetail:
    runtime = runtime_of(request)
    service = RequestService(db, runtime)
    compiled = service.compiled_for(row)
    personal = who.sees_personal_data(workflow)
    answers = row.answers or {}
    email = row.applicant_email or answers.get(compiled.spec.applicant.email)
    transitions = []
    if who.may(workflow, "process"):
        for available in service.available(row, compiled, _actor(who, compiled)):
            t = available.transition
            transitions.append(
                TransitionOut(
                    id=t.id,
                    label=_text(compiled, t.label),
                    enabled=available.enabled,
                    reason=available.reason,
                    comment=CommentInfo(
                        label=_text(compiled, t.comment.label), required=bool(t.comment.required)
                    )
                    if t.comment
                    else None,
                    confirm=_text(compiled, t.confirm) if t.confirm else None,
                )
            )
    return RequestDetail(
        reference=row.reference,
        public_id=row.public_id,
        state=_state_label(runtime, db, workflow, row),
        session_code=row.session_code,
        submitted_at=row.submitted_at,
        created_at=row.created_at,
        version=row.version,
        applicant=Applicant(
            name=row.applicant_name or applicant_name(compiled, answers) or None,
            email=email if isinstance(email, str) else None,
        )
        if personal
        else None,
        personal_data=personal,
        answers=_answers(service, row, compiled) if personal else None,
        history=[
            HistoryItem(
                at=h.at,
                transition=h.transition,
                from_state=h.from_state,
                to_state=h.to_state,
                actor_kind=h.actor_kind,
                actor_name=h.actor_name if personal else None,
                role=h.role,
                comment=h.comment if personal else None,
            )
            for h in request_detail.history_of(db, row.id)
        ],
        mails=[
            MailItem(
                id=m.id,
                template=m.template,
                status=m.status,
                created_at=m.created_at,
                sent_at=m.sent_at,
                subject=m.subject if personal else None,
                to=m.to if personal else None,
                cc=m.cc if personal else None,
            )
            for m in request_detail.mails_of(db, row.id)
        ],
        documents=[
            DocumentItem(
                id=d.id,
                document_id=d.document_id,
                filename=d.filename if personal else None,
                size=d.size,
                created_at=d.created_at,
            )
            for d in request_detail.documents_of(db, row.id)
        ],
        transitions=transitions,
    )


def _find(db: Session, compiled: CompiledWorkflow, key: str) -> RequestRow:
    row = request_detail.find_request(db, compiled.spec.id, key)
    if row is None:
        raise ApiError(404, "not_found", f"Aucune demande « {key} ».")
    return row


@router.get("/workflows/{workflow_id}/requests/{reference}", response_model=RequestDetail)
def read_request(
    request: Request, db: Db, who: Caller, workflow_id: SpecId, reference: Reference
) -> RequestDetail:
    """A request by its reference (a draft by its public id)."""
    compiled = workflow_for(request, workflow_id, who, "none")
    return detail_of(request, db, who, compiled, _find(db, compiled, reference))


@router.post(
    "/workflows/{workflow_id}/requests/{reference}/transitions/{transition_id}",
    response_model=RequestDetail,
    responses=CONFLICT,
)
def fire(
    request: Request,
    db: Db,
    who: Caller,
    workflow_id: SpecId,
    reference: Reference,
    transition_id: SpecId,
    body: Firing,
) -> RequestDetail:
    """Fires a transition as the backoffice's button does, over the version the client read:
    409 `stale_version` (with the version now) when the request changed meanwhile."""
    workflow = workflow_for(request, workflow_id, who, "process")
    row = _find(db, workflow, reference)
    service = RequestService(db, runtime_of(request))
    compiled = service.compiled_for(row)
    comment = (body.comment or "").strip() or None
    try:
        service.fire(
            row,
            compiled,
            transition_id,
            _actor(who, compiled),
            comment=comment,
            expected_version=body.version,
        )
    except Conflict as error:
        db.refresh(row)
        raise ApiError(
            409,
            "stale_version",
            "La demande a changé depuis sa lecture : rien n'a été appliqué. Relisez-la.",
            current_version=row.version,
        ) from error
    except FireError as error:
        raise _refusal(error, row) from error
    db.refresh(row)
    return detail_of(request, db, who, workflow, row)


def _refusal(error: FireError, row: RequestRow) -> ApiError:
    message = getattr(error, "message", str(error))
    if isinstance(error, UnknownTransition):
        return ApiError(404, "unknown_transition", message)
    if isinstance(error, NotAllowed):
        return ApiError(403, "forbidden", message)
    if isinstance(error, CommentRequired):
        return ApiError(422, "comment_required", message)
    if isinstance(error, NotFromThisState):
        return ApiError(409, "not_from_this_state", message, current_version=row.version)
    if isinstance(error, ConditionNotMet):
        return ApiError(409, "condition_not_met", message, current_version=row.version)
    return ApiError(409, "refused", message, current_version=row.version)
