"""One applicant's visit to a workflow's wizard: finding their draft, rendering a step from the
spec, and turning what the draft service decided about a step's form into a page or a
redirection. Generic over any workflow; the routes in routes/wizard.py call it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Row
from sqlalchemy.orm import Session

from engine.compiled import CompiledWorkflow
from engine.process.firing import RequestSnapshot
from engine.service.context import Runtime
from engine.service.drafts import Drafts, Go
from engine.service.late_registration import LatePass, read_pass
from engine.service.links import LinkError
from engine.service.requests import session_field
from engine.service.sessions import (
    format_moment,
    registration_closes_at,
    session_record,
)
from engine.store.models import Account, RequestRow
from engine.wizard.plan import CompiledStep, StepResult
from engine.wizard.replay import inputs_from_answers
from engine.wizard.values import Inputs

from .fields import FieldBuilder, FieldView
from .i18n import Words
from .logins import Audience, logged_in
from .pages import message_page, render

SUBMITTED_PURPOSE = "submitted"


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@dataclass
class Outcome:
    """What handling a step's form produced: a page to show, or where to go next."""

    response: Response
    saved: bool = False


@dataclass
class StepScreen:
    step: CompiledStep
    inputs: Inputs
    errors: dict[str, str] = field(default_factory=dict)
    hidden: frozenset[str] | set[str] = frozenset()
    notices: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200


class WizardVisit:
    def __init__(self, request: Request, db: Session, workflow_id: str, code: str | None) -> None:
        self.request = request
        self.db = db
        self.runtime: Runtime = request.app.state.runtime
        current = self.runtime.registry.get(workflow_id)
        assert current is not None  # routes exist only for loaded workflows
        self.current: CompiledWorkflow = current
        self.code = code
        self.drafts = Drafts(db, self.runtime)
        self.service = self.drafts.requests
        path = current.spec.wizard.path
        self.base = f"/{path}/{code}" if code else f"/{path}"
        self.locale = current.spec.locale
        self.words = Words(self.locale)
        self.late = self._late_pass()
        if self.late is not None:
            self.service.admit(self.late)

    @property
    def platform_name(self) -> str:
        """The learning platform this workflow registers people on, when one is configured:
        the login page tells its users that a new request finds their account there."""
        lms = self.current.spec.lms
        if lms is None or not self.runtime.settings.lms_url.strip():
            return ""
        if lms.title is not None:
            return self.current.text(lms.title, self.locale)
        return self.words["platform_default_name"]

    # -- where we are -------------------------------------------------------------------------

    @property
    def cookie_name(self) -> str:
        suffix = f"_{self.code}" if self.code else ""
        return f"draft_{self.current.spec.id}{suffix}"

    def session_row(self) -> Row[Any] | None:
        if self.code is None:
            return None
        if not hasattr(self, "_session_row"):
            self._session_row = session_record(self.db, self.current.spec.id, self.code)
        return self._session_row

    def session_view(self, compiled: CompiledWorkflow) -> dict[str, Any] | None:
        """The session as pages, conditions and notices show it (seats counted once)."""
        if self.code is None:
            return None
        return self.service.session_by_code(compiled, self.code, self.locale) or None

    @property
    def late_cookie_name(self) -> str:
        return f"late_{self.current.spec.id}_{self.code}"

    def _late_pass(self) -> LatePass | None:
        """The operator's late-registration link this browser followed for this session, if
        it still holds."""
        token = self.request.cookies.get(self.late_cookie_name) if self.code else None
        if not token or self.code is None:
            return None
        try:
            return read_pass(
                self.runtime.signer, token, self.current.spec.id, self.code, self.runtime.now()
            )
        except LinkError:
            return None

    def set_late_cookie(self, response: Response, token: str, late: LatePass) -> None:
        response.set_cookie(
            self.late_cookie_name,
            token,
            max_age=max(1, int((late.until - self.runtime.now()).total_seconds())),
            path=self.base,
            httponly=True,
            samesite="lax",
            secure=self.runtime.settings.secure_cookies,
        )

    def _open_to_everyone(self) -> bool:
        """Whether the session takes registrations from everyone, link or not: its view (kept
        by the process while no session changes, its closing computed now) says so."""
        view = self.session_view(self.current)
        return bool(view) and bool(view["is_open"])

    def session_is_open(self) -> bool:
        """Whether the session takes registrations now (open, before its closing moment), or
        this visitor was let in by an operator's late-registration link."""
        if session_field(self.current) is None:
            return True
        if not self.session_view(self.current):
            return False
        return self.late is not None or self._open_to_everyone()

    def account(self) -> Account | None:
        return logged_in(self.request, self.db, Audience.APPLICANT)

    def find_request(self) -> RequestRow | None:
        """This browser's request for this workflow and session: the draft cookie's, or the
        logged-in account's latest draft."""
        token = self.request.cookies.get(self.cookie_name)
        row = self.service.find_draft(token) if token else None
        if row is None:
            account = self.account()
            if account is not None:
                row = self.drafts.latest_of_account(account.id, self.current.spec.id, self.code)
        if row is None or row.workflow_id != self.current.spec.id or row.session_code != self.code:
            return None
        return row

    def open_draft(self) -> tuple[RequestRow, CompiledWorkflow] | Response:
        """This browser's draft and its workflow version, or where to go instead: the entry
        page without a draft, the confirmation page once sent."""
        row = self.find_request()
        if row is None:
            return see_other(self.base)
        if not self.is_draft(row):
            return self.after_submission(row)
        if not self.session_is_open():
            return self.session_closed(row)
        return row, self.service.compiled_for(row)

    def is_draft(self, row: RequestRow) -> bool:
        return self.service.is_draft(row, self.service.compiled_for(row))

    # -- pages --------------------------------------------------------------------------------

    def header(self, compiled: CompiledWorkflow) -> dict[str, Any]:
        return {
            "brand": compiled.spec.organisation.get("name", ""),
            "organisation": dict(compiled.spec.organisation),
            "header_title": compiled.text(compiled.spec.title, self.locale),
            "workflow_title": compiled.text(compiled.spec.title, self.locale),
            "session": self.session_view(compiled),
        }

    def page(
        self, template: str, compiled: CompiledWorkflow, status: int = 200, **context: Any
    ) -> HTMLResponse:
        full = self.header(compiled)
        full.update(context)
        return render(self.request, template, full, status=status, locale=self.locale)

    def session_closed(self, draft: RequestRow | None = None) -> HTMLResponse:
        """The page of a session that takes no registrations: unknown, closed by an operator,
        or past its closing moment (said with its date). A draft in progress is kept: its
        applicant is told it can no longer be sent, and whom to write to."""
        row = self.session_row()
        if row is not None and self.code is not None:
            closes = registration_closes_at(row, self.service.closing_delay(self.current))
            now = self.runtime.now()
            when = closes if closes <= now else now
            closed = format_moment(when, self.runtime.zone, self.locale)
            email = str(self.current.spec.organisation.get("email", ""))
            message = (
                self.words("session_closed_draft", code=self.code, closed=closed, email=email)
                if draft is not None
                else self.words("session_closed", code=self.code, closed=closed)
            )
            return message_page(
                self.request,
                self.words["session_closed_title"],
                message,
                status=410,
                locale=self.locale,
                kind="warning",
                links=[("/", self.words["see_sessions"])],
            )
        return message_page(
            self.request,
            self.words["session_unknown_title"],
            self.words["session_unknown"],
            status=404,
            locale=self.locale,
            kind="warning",
            links=[("/", self.words["see_sessions"])],
        )

    def step_url(self, step_id: str) -> str:
        return f"{self.base}/etape/{step_id}"

    # -- rendering a step ---------------------------------------------------------------------

    def _snapshot(self, row: RequestRow | None, compiled: CompiledWorkflow) -> RequestSnapshot:
        if row is not None:
            return self.service.snapshot(row, compiled)
        return RequestSnapshot(
            state=compiled.spec.process.initial,
            answers={},
            session=self.session_view(compiled) or {},
            settings=self.service.settings_of(compiled),
        )

    def render_step(
        self, row: RequestRow | None, compiled: CompiledWorkflow, screen: StepScreen
    ) -> HTMLResponse:
        if self.late is not None and not self._open_to_everyone():
            until = format_moment(self.late.until, self.runtime.zone, self.locale)
            screen.notices.insert(0, ("info", self.words("late_admitted", until=until)))
        catalog = self.service.catalog(compiled)
        answers = dict(row.answers) if row is not None else self.initial_answers(compiled)
        builder = FieldBuilder(
            compiled=compiled,
            catalog=catalog,
            locale=self.locale,
            inputs=screen.inputs,
            errors=screen.errors,
            notice_context=lambda: compiled.template_context(self._snapshot(row, compiled)),
            search_url=lambda field_id: f"{self.base}/recherche/{field_id}",
            today=self.runtime.today(),
            words=self.words,
        )
        views = [builder.build(f.spec, hidden=f.id in screen.hidden) for f in screen.step.fields]
        extras = (
            self.service.extras(row, compiled)
            if row is not None
            else self.drafts.extras_without_draft(compiled, self.code)
        )
        visible = compiled.wizard.visible_steps(answers, extras)
        ids = [s.id for s in visible]
        position = ids.index(screen.step.id) + 1 if screen.step.id in ids else 1
        first = screen.step.index == 0
        is_last = bool(ids) and screen.step.id == ids[-1]
        spec = compiled.spec
        next_label = (
            compiled.text(spec.wizard.submit_label, self.locale) if is_last else self.words["next"]
        )
        resume_url = None
        token = self.request.cookies.get(self.cookie_name)
        if row is not None and token:
            resume_url = (
                f"{self.runtime.settings.base_url.rstrip('/')}{self.base}/reprendre/{token}"
            )
        return self.page(
            "wizard/step.html",
            compiled,
            status=screen.status,
            title=compiled.text(screen.step.spec.title, self.locale),
            step_title=compiled.text(screen.step.spec.title, self.locale),
            step_intro=compiled.text(screen.step.spec.intro, self.locale)
            if screen.step.spec.intro
            else "",
            position=position,
            total=len(ids),
            fields=views,
            errors=self._summary(views, screen.errors),
            notices=screen.notices,
            action=f"{self.base}/etape/{screen.step.id}" if not first or row else self.base,
            visibility_url=f"{self.base}/visibilite/{screen.step.id}",
            shown=",".join(self._shown(views)),
            start_actions=self._start_actions(compiled) if first else [],
            has_previous=not first and position > 1,
            next_label=next_label,
            resume_url=resume_url,
        )

    def _start_actions(self, compiled: CompiledWorkflow) -> list[dict[str, Any]]:
        return [
            {
                "kind": a.kind,
                "label": compiled.text(a.label, self.locale),
                "checked": a.kind == "new_request",
            }
            for a in compiled.spec.wizard.start_actions
        ]

    @staticmethod
    def _shown(views: list[FieldView]) -> list[str]:
        shown = [v.id for v in views if not v.hidden]
        shown += [
            v.extra["not_found"]["name"]
            for v in views
            if not v.hidden and v.extra.get("not_found", {}).get("open")
        ]
        return shown

    @staticmethod
    def _summary(views: list[FieldView], errors: dict[str, str]) -> list[tuple[str, str]]:
        """(element id to link to, message), in the order of the page."""
        ordered: list[tuple[str, str]] = []
        seen: set[str] = set()
        for view in views:
            confirm = view.name + "__confirm"
            pairs = [(view.name, _target(view)), (confirm, confirm)]
            pairs += [(sub.name, _target(sub)) for sub in view.subfields]
            for name, target in pairs:
                if name in errors:
                    ordered.append((target, errors[name]))
                    seen.add(name)
        ordered += [(name, message) for name, message in errors.items() if name not in seen]
        return ordered

    def initial_answers(self, compiled: CompiledWorkflow) -> dict[str, Any]:
        return self.drafts.initial_answers(compiled, self.code)

    # -- a step's form ------------------------------------------------------------------------

    def validate(
        self, row: RequestRow | None, compiled: CompiledWorkflow, step: CompiledStep, inputs: Inputs
    ) -> StepResult:
        return self.drafts.validate(row, compiled, step, inputs, self.code, self.locale)

    def stored_inputs(
        self, row: RequestRow | None, compiled: CompiledWorkflow, step: CompiledStep
    ) -> Inputs:
        answers = dict(row.answers) if row is not None else self.initial_answers(compiled)
        return inputs_from_answers(step, answers, compiled.wizard.forms)

    def hidden_now(
        self, row: RequestRow | None, compiled: CompiledWorkflow, step: CompiledStep
    ) -> set[str]:
        return self.drafts.hidden_now(row, compiled, step, self.code)

    def reachable(self, row: RequestRow, compiled: CompiledWorkflow, step_id: str) -> str:
        return self.drafts.reachable(row, compiled, step_id)

    def handle_step(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        inputs: Inputs,
        nav: str,
        shown: set[str] | None,
    ) -> Response:
        outcome = self.drafts.handle_step(row, compiled, step, inputs, nav, shown, self.locale)
        if outcome.go is Go.SENT:
            return self.after_submission(row)
        if outcome.go is Go.STEP:
            return see_other(self.step_url(outcome.step_id or step.id))
        assert outcome.result is not None
        screen = StepScreen(step, inputs, outcome.errors, outcome.result.hidden)
        screen.status = outcome.status
        if outcome.appeared:
            screen.notices.append(("info", self.words["new_fields"]))
        if outcome.go is Go.REFUSED:
            screen.notices.append(("error", outcome.message))
        return self.render_step(row, compiled, screen)

    def after_submission(self, row: RequestRow) -> Response:
        self.db.refresh(row)
        token = self.runtime.signer.sign(SUBMITTED_PURPOSE, row.public_id)
        # The draft cookie stays: pressing "back" and sending again lands here, not on a new
        # request; starting a new request replaces it.
        return see_other(f"{self.base}/envoyee/{token}")

    def set_draft_cookie(self, response: Response, token: str) -> None:
        settings = self.runtime.settings
        response.set_cookie(
            self.cookie_name,
            token,
            max_age=settings.draft_cookie_days * 86400,
            path=self.base,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )


def _target(view: FieldView) -> str:
    """The element a summary link points at: the input, the first radio of a group, the
    search box of a searchable list."""
    if view.type == "reference_choice" and view.extra.get("display") == "search":
        return str(view.extra["search_name"])
    grouped = view.type in {"choice", "multi_choice", "yes_no", "reference_choice"}
    if view.options and grouped and view.extra.get("display") != "select":
        return f"{view.name}-{view.options[0].value}"
    return view.name
