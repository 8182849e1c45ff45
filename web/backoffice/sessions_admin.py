"""Backoffice: training sessions. The list with the seats taken (requests in the states that hold
a seat) and the requests waiting without one; a session's page with its requests counted by
state; creation, edition (dates typed jj/mm/aaaa hh:mm in the workflow's time zone), opening and
closing; CSV export and import.

"En attente" counts, generically, the requests of the session that are neither drafts (the
process's initial state) nor in a final state nor in a state holding a seat: a waiting list,
requests whose address is not confirmed yet..."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import FormData

from engine.service.imports import (
    SESSION_COLUMNS,
    ImportProblem,
    export_sessions,
    format_moment,
    import_training_sessions,
    parse_moment,
    plan_sessions_import,
    read_session,
)
from engine.service.late_registration import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    LateLinkTooLong,
    grant,
)
from engine.service.platform_sessions import (
    CourseLine,
    PlatformPlan,
    PlatformSessionsConflict,
    PlatformUnavailable,
    apply_platform_sessions,
    preview_platform_sessions,
    read_defaults,
)
from engine.service.requests import RequestService
from engine.service.seat_events import Waiting, session_line
from engine.service.sessions import (
    add_session,
    find_session,
    registration_closes_at,
    set_session_open,
    takes_registrations,
    update_session,
)
from engine.service.sessions import (
    format_moment as said_moment,
)
from engine.store.models import TrainingSession
from engine.translations import N_

from ..deps import Form
from ..forms import form_text
from ..params import Action, SessionCode
from .access import Desk, ManageDesk
from .manage_pages import (
    ImportForm,
    csv_response,
    expired_form,
    flash,
    import_page,
    import_text,
    import_token,
    import_token_ok,
    not_found,
    redirect,
    said,
    take_flash,
)
from .overview import session_counts

router = APIRouter(prefix="/backoffice/{workflow_id}")

FIELDS = (
    ("code", N_("Code"), N_("Letters, digits, - and _; it does not change afterwards.")),
    ("title", N_("Title"), ""),
    ("starts_at", N_("Start"), N_("dd/mm/yyyy hh:mm")),
    ("ends_at", N_("End"), N_("dd/mm/yyyy hh:mm")),
    (
        "registration_closes_at",
        N_("Registration closes"),
        N_("dd/mm/yyyy hh:mm; empty: the settings' delay before the start."),
    ),
    ("place", N_("Place"), ""),
    ("capacity", N_("Capacity (seats)"), N_("Number of seats; 0 or more.")),
    (
        "lms_course",
        N_("Course of the training platform"),
        N_("The course's id number (idnumber) or short name; empty: none."),
    ),
)


def _tally(desk: Desk, by_state: dict[str, int]) -> tuple[int, int]:
    """(seats taken, requests waiting without a seat) from the counts by state."""
    process = desk.compiled.spec.process
    taken = waiting = 0
    for state in process.states:
        n = by_state.get(state.id, 0)
        if state.holds_seat:
            taken += n
        elif not state.final and state.id != process.initial:
            waiting += n
    return taken, waiting


@router.get("/sessions", response_class=HTMLResponse)
def sessions(desk: ManageDesk) -> HTMLResponse:
    zone = desk.runtime.zone
    counts = session_counts(desk)
    now = desk.runtime.now()
    delay = RequestService(desk.db, desk.runtime).closing_delay(desk.compiled)
    rows = []
    for s in desk.db.execute(
        select(TrainingSession)
        .where(TrainingSession.workflow_id == desk.compiled.spec.id)
        .order_by(TrainingSession.starts_at, TrainingSession.code)
    ).scalars():
        taken, waiting = _tally(desk, counts.get(s.code, {}))
        rows.append(
            {
                "code": s.code,
                "title": s.title,
                "starts_at": format_moment(s.starts_at, zone),
                "ends_at": format_moment(s.ends_at, zone),
                "place": s.place,
                "capacity": s.capacity,
                "is_open": s.is_open,
                "taking": takes_registrations(s, now, delay),
                "closes": format_moment(registration_closes_at(s, delay), zone),
                "taken": taken,
                "waiting": waiting,
                "full": taken >= s.capacity,
            }
        )
    return desk.page(
        "backoffice/sessions_list.html",
        title=desk.gettext("Sessions"),
        platform=desk.compiled.spec.lms is not None,
        sessions=rows,
        zone=zone.key,
        flash=take_flash(desk),
    )


def _session_page(
    desk: Desk,
    *,
    session: TrainingSession | None,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    late: dict[str, str] | None = None,
) -> HTMLResponse:
    errors = {name: desk.gettext(message) for name, message in errors.items()}
    fields = [
        {
            "id": name,
            "label": desk.gettext(label),
            "hint": desk.gettext(hint) if hint else "",
            "value": values.get(name, ""),
            "error": errors.get(name, ""),
            "readonly": name == "code" and session is not None,
        }
        for name, label, hint in FIELDS
    ]
    context: dict[str, Any] = {"session": None, "states": []}
    if session is not None:
        by_state = session_counts(desk).get(session.code, {})
        taken, waiting = _tally(desk, by_state)
        context["session"] = {
            "code": session.code,
            "title": session.title,
            "is_open": session.is_open,
            "capacity": session.capacity,
            "taken": taken,
            "waiting": waiting,
            "attendance_href": f"{desk.base}/presence/{quote(session.code, safe='')}",
            "documents": [
                {
                    "title": f"{desk.text(d.title) or d.id} (PDF)",
                    "href": f"{desk.base}/presence/{quote(session.code, safe='')}/documents/{d.id}",
                }
                for d in desk.compiled.spec.documents
                if d.of == "session"
            ],
        }
        line = session_line(desk.db, desk.runtime, desk.compiled, session.code)
        zone = desk.runtime.zone

        def person(w: Waiting, position: int | None = None) -> dict[str, Any]:
            key = w.reference or w.public_id
            return {
                "position": position,
                "reference": key,
                "href": f"{desk.base}/demandes/{quote(key, safe='')}",
                "since": format_moment(w.entered_at, zone),
                "state": desk.text(desk.compiled.states[w.state].label)
                if w.state in desk.compiled.states
                else w.state,
            }

        now = desk.runtime.now()
        context["late"] = {
            "until": format_moment(now + DEFAULT_LIFETIME, zone),
            "link": "",
            "until_said": "",
            "error": "",
            "closed": not takes_registrations(
                session, now, RequestService(desk.db, desk.runtime).closing_delay(desk.compiled)
            ),
            **(late or {}),
        }
        context["waiting_line"] = [person(w, i) for i, w in enumerate(line.waiting, start=1)]
        context["offers"] = [person(w) for w in line.offered]
        context["states"] = [
            {
                "label": desk.text(state.label),
                "count": by_state[state.id],
                "seat": state.holds_seat,
            }
            for state in desk.compiled.spec.process.states
            if by_state.get(state.id)
        ]
    title = (
        desk.gettext("Session {code}", code=session.code)
        if session
        else desk.gettext("New session")
    )
    return desk.page(
        "backoffice/sessions_edit.html",
        status=status,
        title=title,
        fields=fields,
        errors=[(f["id"], f["error"]) for f in fields if f["error"]],
        zone=desk.runtime.zone.key,
        flash=take_flash(desk),
        **context,
    )


def told_text(desk: Desk, told: int) -> str:
    """What operators read after changing the dates or place of a session with participants."""
    if told == 1:
        return desk.gettext("The registered person will be told by mail.")
    return desk.gettext("The {n} registered people will be told by mail.", n=told)


def _posted(form: FormData) -> dict[str, str]:
    return {name: form_text(form, name, 400) for name, _, _ in FIELDS}


@router.get("/sessions/nouvelle", response_class=HTMLResponse)
def new_session(desk: ManageDesk) -> HTMLResponse:
    return _session_page(desk, session=None, values={}, errors={})


@router.post("/sessions/nouvelle", response_class=HTMLResponse)
def create_session(desk: ManageDesk, form: Form) -> Response:
    if not desk.csrf_ok(form):
        return expired_form(desk)
    raw = _posted(form)
    data = read_session(raw, desk.runtime.zone)
    code = data.values["code"]
    if code and "code" not in data.errors and find_session(desk.db, desk.compiled.spec.id, code):
        data.errors["code"] = desk.gettext("A session already has the code “{code}”.", code=code)
    if data.errors:
        return _session_page(desk, session=None, values=raw, errors=data.errors, status=422)
    values = {k: v for k, v in data.values.items() if k != "is_open"}
    try:
        add_session(desk.db, desk.compiled.spec.id, values)
    except SQLAlchemyError:
        errors = {"code": desk.gettext("A session already has the code “{code}”.", code=code)}
        return _session_page(desk, session=None, values=raw, errors=errors, status=422)
    flash(
        desk,
        desk.gettext("The session {code} was created; it is open for registration.", code=code),
    )
    return redirect(f"{desk.base}/sessions/{code}/modifier")


@router.get("/sessions/{code}/modifier", response_class=HTMLResponse)
def show_session(desk: ManageDesk, code: SessionCode) -> HTMLResponse:
    session = find_session(desk.db, desk.compiled.spec.id, code)
    if session is None:
        return not_found(desk, N_("This session does not exist (or no longer does)."))
    return _session_page(desk, session=session, values=_values(desk, session), errors={})


def _values(desk: Desk, session: TrainingSession) -> dict[str, str]:
    """The session's values as its form shows them."""
    zone = desk.runtime.zone
    return {
        "code": session.code,
        "title": session.title,
        "starts_at": format_moment(session.starts_at, zone),
        "ends_at": format_moment(session.ends_at, zone),
        "registration_closes_at": format_moment(session.registration_closes_at, zone)
        if session.registration_closes_at is not None
        else "",
        "place": session.place,
        "capacity": str(session.capacity),
        "lms_course": session.lms_course or "",
    }


@router.post("/sessions/{code}/modifier", response_class=HTMLResponse)
def edit_session(desk: ManageDesk, code: SessionCode, form: Form) -> Response:
    session = find_session(desk.db, desk.compiled.spec.id, code)
    if session is None:
        return not_found(desk, N_("This session does not exist (or no longer does)."))
    if not desk.csrf_ok(form):
        return expired_form(desk)
    raw = _posted(form)
    raw["code"] = session.code
    data = read_session(raw, desk.runtime.zone, with_code=False)
    if data.errors:
        return _session_page(desk, session=session, values=raw, errors=data.errors, status=422)
    names = (
        "title",
        "starts_at",
        "ends_at",
        "registration_closes_at",
        "place",
        "capacity",
        "lms_course",
    )
    told = update_session(
        desk.db,
        desk.compiled,
        session,
        {name: data.values[name] for name in names if name in data.values},
        desk.runtime.now(),
    )
    saved = desk.gettext("Changes saved.")
    flash(desk, f"{saved} {told_text(desk, told)}" if told else saved)
    return redirect(f"{desk.base}/sessions/{session.code}/modifier")


@router.post("/sessions/{code}/lien-hors-delai", response_class=HTMLResponse)
def late_registration_link(desk: ManageDesk, code: SessionCode, form: Form) -> Response:
    """A link that lets its holder register although the session is closed (see
    engine/service/late_registration.py), shown once on the session's page to be sent or
    opened; nothing is stored."""
    session = find_session(desk.db, desk.compiled.spec.id, code)
    if session is None:
        return not_found(desk, N_("This session does not exist (or no longer does)."))
    if not desk.csrf_ok(form):
        return expired_form(desk)
    zone = desk.runtime.zone
    typed = form_text(form, "late_until", 40)
    until = parse_moment(typed, zone)
    late = {"until": typed}
    try:
        if until is None:
            raise LateLinkTooLong(typed)
        token = grant(
            desk.runtime.signer,
            desk.compiled.spec.id,
            session.code,
            until,
            desk.staff.account.email,
            desk.runtime.now(),
        )
    except LateLinkTooLong:
        late["error"] = desk.gettext(
            "Give an end of validity to come, as dd/mm/yyyy hh:mm, within {days} days.",
            days=MAX_LIFETIME.days,
        )
        return _session_page(
            desk, session=session, values=_values(desk, session), errors={}, status=422, late=late
        )
    base = desk.runtime.settings.base_url.rstrip("/")
    wizard = desk.compiled.spec.wizard.path
    late["link"] = f"{base}/{wizard}/{quote(session.code, safe='')}/hors-delai/{token}"
    late["until_said"] = said_moment(until, zone, desk.locale)
    return _session_page(desk, session=session, values=_values(desk, session), errors={}, late=late)


@router.post("/sessions/{code}/{action}", response_class=HTMLResponse)
def open_or_close(desk: ManageDesk, code: SessionCode, action: Action, form: Form) -> Response:
    session = find_session(desk.db, desk.compiled.spec.id, code)
    if session is None or action not in ("ouvrir", "fermer"):
        return not_found(desk, N_("This session does not exist (or no longer does)."))
    if not desk.csrf_ok(form):
        return expired_form(desk)
    set_session_open(desk.db, session, action == "ouvrir")
    flash(
        desk,
        desk.gettext("The session {code} is open for registration.", code=code)
        if session.is_open
        else desk.gettext("The session {code} is closed to registration.", code=code),
    )
    back = form_text(form, "back", 200)
    target = back if back.startswith(f"{desk.base}/sessions") else f"{desk.base}/sessions"
    return redirect(target)


# -- CSV ----------------------------------------------------------------------------------------


@router.get("/sessions/export.csv")
def export(desk: ManageDesk) -> Response:
    text = export_sessions(desk.db, desk.compiled.spec.id, desk.runtime.zone)
    return csv_response(text, f"sessions-{desk.compiled.spec.id}.csv")


def _import_page(desk: Desk, **context: Any) -> HTMLResponse:
    return import_page(
        desk,
        title=desk.gettext("Import sessions"),
        back=f"{desk.base}/sessions",
        action=f"{desk.base}/sessions/import",
        columns=list(SESSION_COLUMNS),
        **context,
    )


@router.get("/sessions/import", response_class=HTMLResponse)
def import_sessions_form(desk: ManageDesk) -> HTMLResponse:
    return _import_page(desk)


@router.post("/sessions/import", response_class=HTMLResponse)
def import_sessions(desk: ManageDesk, form: ImportForm) -> Response:
    if not desk.csrf_ok(form):
        return expired_form(desk)
    workflow_id, zone = desk.compiled.spec.id, desk.runtime.zone
    try:
        text = import_text(form)
        plan = plan_sessions_import(desk.db, workflow_id, zone, text, desk.locale)
    except ImportProblem as problem:
        return _import_page(desk, problem=said(desk, problem), status=422)
    mode = form_text(form, "_nav", 20)
    if mode not in ("tout", "valides"):
        return _import_page(desk, plan=plan, content=text)
    if not import_token_ok(
        desk, f"{desk.base}/sessions/import", text, form_text(form, "token", 600)
    ):
        return _import_page(
            desk,
            problem=desk.gettext(
                "This preview expired or the content changed: send the file again."
            ),
            status=422,
        )
    if plan.rejected and mode != "valides":
        return _import_page(
            desk,
            plan=plan,
            content=text,
            problem=desk.gettext("Some lines are rejected: nothing was imported."),
            status=422,
        )
    try:
        told = import_training_sessions(desk.db, desk.compiled, plan, desk.runtime.now())
    except SQLAlchemyError:
        return _import_page(
            desk,
            plan=plan,
            content=text,
            problem=desk.gettext(
                "The import failed (did the sessions change meanwhile?): nothing was imported."
            ),
            status=409,
        )
    flash(
        desk,
        (
            desk.gettext(
                "Import done: {created} session(s) created, {updated} updated, {rejected} rejected "
                "line(s) skipped.",
                created=len(plan.creates),
                updated=len(plan.updates),
                rejected=len(plan.rejected),
            )
            if plan.rejected
            else desk.gettext(
                "Import done: {created} session(s) created, {updated} updated.",
                created=len(plan.creates),
                updated=len(plan.updates),
            )
        )
        + (f" {told_text(desk, told)}" if told else ""),
    )
    return redirect(f"{desk.base}/sessions")


# -- from the learning platform's courses -------------------------------------------------------

ACTION_LABELS = {
    "create": N_("new session"),
    "update": N_("update (of a session)"),
    "same": N_("unchanged"),
    "skip": N_("skipped"),
}


def _effect(desk: Desk, line: CourseLine) -> str:
    if line.action == "update":
        changes = ", ".join(desk.gettext(change) for change in line.changes)
        return desk.gettext("update ({changes})", changes=changes)
    if line.action == "skip":
        return desk.gettext("skipped: {reason}", reason=desk.gettext(line.reason))
    return desk.gettext(ACTION_LABELS[line.action])


def _platform_page(
    desk: Desk,
    *,
    plan: PlatformPlan | None = None,
    problem: str = "",
    problem_kind: str = "error",
    chosen: set[int] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = {name: desk.gettext(message) for name, message in (errors or {}).items()}
    zone = desk.runtime.zone
    action = f"{desk.base}/sessions/plateforme"
    lines = [
        {
            "course_id": line.course_id,
            "key": line.key,
            "title": line.title,
            "starts_at": format_moment(line.starts_at, zone) if line.starts_at else "—",
            "ends_at": format_moment(line.ends_at, zone) if line.ends_at else "—",
            "code": line.code,
            "action": line.action,
            "effect": _effect(desk, line),
            "checked": chosen is None or line.course_id in chosen,
        }
        for line in (plan.lines if plan is not None else [])
    ]
    lms = desk.compiled.spec.lms
    name = desk.text(lms.title) if lms is not None and lms.title else "la plateforme"
    return desk.page(
        "backoffice/sessions_platform.html",
        status=status,
        title=desk.gettext("Import the sessions from {platform}", platform=name),
        plan=plan,
        lines=lines,
        action=action,
        token=import_token(desk, action, plan.digest) if plan is not None else "",
        problem=problem,
        problem_kind=problem_kind,
        values=values or {"capacity": "", "place": ""},
        errors=list(errors.items()),
        errors_by=errors,
        zone=zone.key,
        flash=take_flash(desk),
    )


def _unavailable(desk: Desk, problem: PlatformUnavailable) -> HTMLResponse:
    """No platform configured: said plainly; the platform failing: a bad gateway."""
    if not problem.configured:
        return _platform_page(desk, problem=said(desk, problem), problem_kind="warning", status=409)
    return _platform_page(desk, problem=said(desk, problem), status=502)


@router.get("/sessions/plateforme", response_class=HTMLResponse)
def platform_preview(desk: ManageDesk) -> HTMLResponse:
    """The platform's courses and what importing each would do. The platform is asked with
    no transaction open, from this handler's thread."""
    try:
        plan = preview_platform_sessions(desk.db, desk.runtime, desk.compiled.spec.id)
    except PlatformUnavailable as problem:
        return _unavailable(desk, problem)
    return _platform_page(desk, plan=plan)


@router.post("/sessions/plateforme", response_class=HTMLResponse)
def platform_import(desk: ManageDesk, form: Form) -> Response:
    if not desk.csrf_ok(form):
        return expired_form(desk)
    chosen: set[int] = set()
    for value in form.getlist("course")[:10_000]:
        if isinstance(value, str) and value.isdigit() and len(value) < 19:
            chosen.add(int(value))
    values = {"capacity": form_text(form, "capacity", 40), "place": form_text(form, "place", 400)}
    try:
        plan = preview_platform_sessions(desk.db, desk.runtime, desk.compiled.spec.id)
    except PlatformUnavailable as problem:
        return _unavailable(desk, problem)
    page = {"plan": plan, "chosen": chosen, "values": values}
    action = f"{desk.base}/sessions/plateforme"
    if not import_token_ok(desk, action, plan.digest, form_text(form, "token", 600)):
        return _platform_page(
            desk,
            **page,
            problem=desk.gettext(
                "The platform's courses or the sessions changed since the preview (or the "
                "preview expired): check this new preview, then confirm."
            ),
            status=409,
        )
    picked = [
        line
        for line in plan.lines
        if line.course_id in chosen and line.action in ("create", "update")
    ]
    needed = any(line.action == "create" for line in picked)
    defaults = read_defaults(values["capacity"], values["place"], needed=needed)
    errors = dict(defaults.errors)
    if not picked:
        errors["courses"] = desk.gettext("Tick at least one course to create or update.")
    if errors:
        return _platform_page(desk, **page, errors=errors, status=422)
    try:
        outcome = apply_platform_sessions(
            desk.db, desk.compiled, plan, chosen, defaults, desk.runtime.now()
        )
    except PlatformSessionsConflict:
        return _platform_page(
            desk,
            **page,
            problem=desk.gettext(
                "The sessions changed during the import: nothing was imported. "
                "Check the preview and try again."
            ),
            status=409,
        )
    flash(
        desk,
        desk.gettext(
            "Import from the platform done: {created} session(s) created (closed to "
            "registration), {updated} updated.",
            created=outcome.created,
            updated=outcome.updated,
        )
        + (f" {told_text(desk, outcome.told)}" if outcome.told else ""),
    )
    return redirect(f"{desk.base}/sessions")
