"""The wizard's routes, generated for each workflow from its spec: `/<path>/<session code>/...`
for workflows with a session field, `/<path>/...` otherwise."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from engine.compiled import CompiledWorkflow
from engine.service.catalog import DbCatalog
from engine.service.follow import send_follow_mail
from engine.service.late_registration import read_pass
from engine.service.links import LinkError, LinkProblem
from engine.service.requests import session_field
from engine.service.sign_in import LoginProblem, log_in
from engine.spec.fields import ReferenceChoiceField
from engine.store.models import Account
from engine.wizard.values import Inputs, normalise_email

from ..applicant_visit import SUBMITTED_PURPOSE, StepScreen, WizardVisit, see_other
from ..deps import Form, HandlerDb, SessionClosingRoute
from ..forms import form_inputs, form_text
from ..logins import Audience, begin_login
from ..pages import csrf_ok, message_page
from ..params import CodeInPath, Flag, NoCode, SearchText, SpecId, Token


def wizard_router(compiled: CompiledWorkflow) -> APIRouter:
    workflow_id = compiled.spec.id
    with_sessions = session_field(compiled) is not None
    prefix = f"/{compiled.spec.wizard.path}" + ("/{code}" if with_sessions else "")
    router = APIRouter(prefix=prefix, route_class=SessionClosingRoute)

    def visit(request: Request, db: Session, code: str | None) -> WizardVisit:
        return WizardVisit(request, db, workflow_id, code if with_sessions else None)

    code_param = CodeInPath if with_sessions else NoCode

    @router.get("", response_class=HTMLResponse)
    def start(request: Request, db: HandlerDb, code: str | None = code_param) -> Response:
        v = visit(request, db, code)
        if v.current.spec.wizard.invitation_only:
            return _invitation_only(v)
        if not v.session_is_open():
            row = v.find_request()
            return v.session_closed(row if row is not None and v.is_draft(row) else None)
        row = v.find_request()
        if row is not None and v.is_draft(row):
            step = row.current_step or v.current.wizard.steps[0].id
            return see_other(v.step_url(step) + "?repris=1")
        first = v.current.wizard.steps[0]
        inputs = v.stored_inputs(None, v.current, first)
        hidden = v.hidden_now(None, v.current, first)
        return v.render_step(None, v.current, StepScreen(first, inputs, hidden=hidden))

    @router.post("", response_class=HTMLResponse)
    def start_post(
        request: Request, db: HandlerDb, form: Form, code: str | None = code_param
    ) -> Response:
        v = visit(request, db, code)
        if v.current.spec.wizard.invitation_only:
            return _invitation_only(v)
        if not v.session_is_open():
            return v.session_closed()
        action = form_text(form, "_action", 32) or "new_request"
        if action == "log_in":
            return see_other(f"{v.base}/connexion")
        if action == "follow":
            return see_other(f"{v.base}/suivi")
        first = v.current.wizard.steps[0]
        inputs = _with_session(v, form_inputs(form))
        if not csrf_ok(request, form.get("_csrf")):
            screen = StepScreen(first, inputs, notices=[("warning", v.words["form_expired"])])
            screen.status = 400
            return v.render_step(None, v.current, screen)
        if form_text(form, "_nav", 16) == "cancel":
            return see_other("/")
        row = v.find_request()
        token = None
        if row is None or not v.is_draft(row):
            draft = v.drafts.start(v.current, v.code, v.locale, v.account())
            row, token = draft.row, draft.token
        compiled = v.service.compiled_for(row)
        response = v.handle_step(row, compiled, first, inputs, "next", _shown(form))
        if token is not None:
            v.set_draft_cookie(response, token)
        return response

    @router.get("/etape/{step_id}", response_class=HTMLResponse)
    def step_page(
        request: Request,
        db: HandlerDb,
        step_id: SpecId,
        code: str | None = code_param,
        repris: Flag = "",
    ) -> Response:
        v = visit(request, db, code)
        opened = v.open_draft()
        if isinstance(opened, Response):
            return opened
        row, compiled = opened
        allowed = v.reachable(row, compiled, step_id)
        if allowed != step_id:
            return see_other(v.step_url(allowed))
        step = compiled.wizard.by_id[step_id]
        screen = StepScreen(
            step, v.stored_inputs(row, compiled, step), hidden=v.hidden_now(row, compiled, step)
        )
        if repris:
            screen.notices.append(("info", v.words["resumed"]))
        return v.render_step(row, compiled, screen)

    @router.post("/etape/{step_id}", response_class=HTMLResponse)
    def step_post(
        request: Request,
        db: HandlerDb,
        form: Form,
        step_id: SpecId,
        code: str | None = code_param,
    ) -> Response:
        v = visit(request, db, code)
        opened = v.open_draft()
        if isinstance(opened, Response):
            return opened
        row, compiled = opened
        step = compiled.wizard.by_id.get(step_id)
        if step is None:
            return see_other(v.base)
        inputs = _with_session(v, form_inputs(form))
        nav = form_text(form, "_nav", 16) or "next"
        if step.index == 0:
            # The first step holds the start actions: the same choices as on the entry page.
            action = form_text(form, "_action", 32)
            if action == "log_in":
                return see_other(f"{v.base}/connexion")
            if action == "follow":
                return see_other(f"{v.base}/suivi")
        if not csrf_ok(request, form.get("_csrf")):
            screen = StepScreen(
                step,
                inputs,
                hidden=v.hidden_now(row, compiled, step),
                notices=[("warning", v.words["form_expired"])],
                status=400,
            )
            return v.render_step(row, compiled, screen)
        if nav == "cancel":
            return v.page(
                "wizard/cancel.html",
                compiled,
                title=v.words["cancel_title"],
                action=f"{v.base}/abandon",
                back_url=v.step_url(step_id),
            )
        return v.handle_step(row, compiled, step, inputs, nav, _shown(form))

    @router.post("/abandon", response_class=HTMLResponse)
    def abandon(
        request: Request, db: HandlerDb, form: Form, code: str | None = code_param
    ) -> Response:
        v = visit(request, db, code)
        if not csrf_ok(request, form.get("_csrf")):
            return see_other(v.base)
        row = v.find_request()
        if row is not None and v.is_draft(row):
            v.drafts.abandon(row)
        response = message_page(
            request,
            v.words["cancel_title"],
            v.words["cancelled_draft"],
            locale=v.locale,
            links=[("/", v.words["see_sessions"])],
        )
        response.delete_cookie(v.cookie_name, path=v.base)
        return response

    @router.get("/reprendre/{token}")
    def resume(
        request: Request, db: HandlerDb, token: Token, code: str | None = code_param
    ) -> Response:
        v = visit(request, db, code)
        row = v.service.find_draft(token)
        if row is None or row.workflow_id != workflow_id or row.session_code != v.code:
            return message_page(
                request,
                v.words["link_invalid_title"],
                v.words["link_invalid"],
                status=404,
                locale=v.locale,
                kind="warning",
                links=[(v.base, v.words["new_request"])],
            )
        if not v.is_draft(row):
            return v.after_submission(row)
        response = see_other(v.step_url(row.current_step or "") + "?repris=1")
        v.set_draft_cookie(response, token)
        return response

    if with_sessions:

        @router.get("/hors-delai/{token}", response_class=HTMLResponse)
        def late_registration(
            request: Request, db: HandlerDb, token: Token, code: str | None = code_param
        ) -> Response:
            """An operator's link into a closed session: kept in a cookie for the wizard's
            pages, then on to the wizard (a draft in progress resumes)."""
            v = visit(request, db, code)
            assert code is not None
            try:
                late = read_pass(v.runtime.signer, token, workflow_id, code, v.runtime.now())
            except LinkError as error:
                expired = error.problem is LinkProblem.EXPIRED
                return message_page(
                    request,
                    v.words["link_expired_title" if expired else "link_invalid_title"],
                    v.words["late_link_expired" if expired else "late_link_invalid"],
                    status=410 if expired else 400,
                    locale=v.locale,
                    kind="warning",
                )
            if v.session_row() is None:
                return v.session_closed()
            response = see_other(v.base)
            v.set_late_cookie(response, token, late)
            return response

    @router.get("/envoyee/{token}", response_class=HTMLResponse)
    def submitted(
        request: Request, db: HandlerDb, token: Token, code: str | None = code_param
    ) -> Response:
        v = visit(request, db, code)
        try:
            public_id = v.runtime.signer.read(SUBMITTED_PURPOSE, token, timedelta(days=2))
        except LinkError:
            return see_other(v.base)
        row = v.service.by_public_id(public_id)
        if row is None:
            return see_other(v.base)
        compiled = v.service.compiled_for(row)
        state = compiled.states.get(row.state)
        return v.page(
            "wizard/submitted.html",
            compiled,
            title=v.words["submitted_title"],
            message=compiled.text(compiled.spec.wizard.submitted_message, v.locale)
            if compiled.spec.wizard.submitted_message
            else v.words["submitted_title"],
            reference=row.reference,
            state_label=compiled.text(state.label, v.locale) if state else row.state,
        )

    @router.post("/visibilite/{step_id}")
    def visibility(
        request: Request,
        db: HandlerDb,
        form: Form,
        step_id: SpecId,
        code: str | None = code_param,
    ) -> JSONResponse:
        """Which fields the answers being typed hide: the same rules as on submission."""
        v = visit(request, db, code)
        row = v.find_request()
        compiled = v.service.compiled_for(row) if row is not None else v.current
        step = compiled.wizard.by_id.get(step_id)
        if step is None:
            return JSONResponse({"hidden": []}, status_code=404)
        result = v.validate(row, compiled, step, form_inputs(form))
        return JSONResponse({"hidden": sorted(result.hidden)})

    @router.get("/recherche/{field_id}")
    def search(
        request: Request,
        db: HandlerDb,
        field_id: SpecId,
        q: SearchText = "",
        code: str | None = code_param,
    ) -> JSONResponse:
        v = visit(request, db, code)
        field = v.current.fields.get(field_id)
        if not isinstance(field, ReferenceChoiceField):
            return JSONResponse({"results": [], "message": ""}, status_code=404)
        query = q[:100]
        found = DbCatalog(db, v.current).search(field, query) if len(query.strip()) >= 2 else []
        if len(query.strip()) < 2:
            message = v.words["search_hint"]
        elif found:
            message = v.words("search_results", n=len(found))
        else:
            message = v.words["search_none"]
        return JSONResponse(
            {
                "results": [{"id": c.id, "label": c.label, "detail": c.detail} for c in found],
                "message": message,
            }
        )

    @router.get("/connexion", response_class=HTMLResponse)
    def login_page(request: Request, db: HandlerDb, code: str | None = code_param) -> Response:
        v = visit(request, db, code)
        return v.page(
            "wizard/login.html",
            v.current,
            title=v.words["login_title"],
            action=f"{v.base}/connexion",
            back_url=v.base,
            email="",
            error="",
            platform=v.platform_name,
            new_request_url=v.base,
        )

    @router.post("/connexion", response_class=HTMLResponse)
    def login(
        request: Request, db: HandlerDb, form: Form, code: str | None = code_param
    ) -> Response:
        v = visit(request, db, code)
        email = form_text(form, "email", 320).strip()
        password = form_text(form, "password", 1000)
        key = f"applicant:{email.lower()}"
        now = v.runtime.now()
        error = ""
        if not csrf_ok(request, form.get("_csrf")):
            error = v.words["form_expired"]
        else:
            outcome = log_in(db, key=key, email=email, password=password, now=now, staff=False)
            if outcome.account is not None:
                begin_login(request, outcome.account, Audience.APPLICANT)
                return _continue_as(v, outcome.account)
            throttled = outcome.problem is LoginProblem.THROTTLED
            error = v.words["login_throttled" if throttled else "login_failed"]
        return v.page(
            "wizard/login.html",
            v.current,
            status=400,
            title=v.words["login_title"],
            action=f"{v.base}/connexion",
            back_url=v.base,
            email=email,
            error=error,
            platform=v.platform_name,
            new_request_url=v.base,
        )

    @router.get("/suivi", response_class=HTMLResponse)
    def follow_page(request: Request, db: HandlerDb, code: str | None = code_param) -> Response:
        v = visit(request, db, code)
        return _follow(v, email="", error="", sent=False)

    @router.post("/suivi", response_class=HTMLResponse)
    def follow(
        request: Request, db: HandlerDb, form: Form, code: str | None = code_param
    ) -> Response:
        v = visit(request, db, code)
        raw = form_text(form, "email", 320)
        email = normalise_email(raw)
        if not csrf_ok(request, form.get("_csrf")):
            return _follow(v, email=raw, error=v.words["form_expired"], sent=False, status=400)
        if email is None:
            return _follow(v, email=raw, error=v.words["follow_bad_email"], sent=False, status=422)
        send_follow_mail(v.db, v.runtime, v.current, email.lower(), v.locale)
        # The same answer whether or not the address is known.
        return _follow(v, email="", error="", sent=True)

    return router


def _invitation_only(v: WizardVisit) -> Response:
    """A wizard opened by invitations alone: no request is started from its address."""
    return message_page(
        v.request,
        v.words["invitation_only_title"],
        v.words["invitation_only"],
        status=403,
        locale=v.locale,
        kind="warning",
    )


def _with_session(v: WizardVisit, inputs: Inputs) -> Inputs:
    """The session is the one of the address, whatever the form says."""
    field = session_field(v.current)
    if field is None or v.code is None:
        return inputs
    return {**inputs, field.id: v.code}


def _shown(form: FormData) -> set[str] | None:
    value = form.get("_shown")
    if not isinstance(value, str):
        return None
    return {part for part in value[:5000].split(",") if part}


def _follow(v: WizardVisit, *, email: str, error: str, sent: bool, status: int = 200) -> Response:
    return v.page(
        "wizard/follow.html",
        v.current,
        status=status,
        title=v.words["follow_title"],
        action=f"{v.base}/suivi",
        back_url=v.base,
        email=email,
        error=error,
        sent=sent,
    )


def _continue_as(v: WizardVisit, account: Account) -> Response:
    """After logging in: the account's draft for this session, or a new one pre-filled with
    the known identity, past the first step (the session is the URL's)."""
    row = v.find_request()
    if row is None or not v.is_draft(row):
        row = v.drafts.start(v.current, v.code, v.locale, account, past_first_step=True).row
    elif row.account_id is None:
        v.drafts.attach_account(row, v.service.compiled_for(row), account)
    return see_other(v.step_url(row.current_step or v.current.wizard.steps[0].id))
