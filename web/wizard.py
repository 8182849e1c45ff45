"""One applicant's visit to a workflow's wizard: finding their draft, rendering a step from the
spec, and handling a step's form (next, previous, search, cancel, submit). Generic over any
workflow; the routes in routes/wizard.py only call it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Row, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.compiled import CompiledWorkflow
from engine.process.firing import FireError, RequestSnapshot
from engine.service.context import Runtime
from engine.service.requests import Conflict, Incomplete, RequestService, session_field
from engine.service.sessions import session_record
from engine.spec.fields import ReferenceChoiceField
from engine.store.models import Account, RequestRow
from engine.wizard.plan import CompiledStep, StepResult
from engine.wizard.replay import inputs_from_answers
from engine.wizard.values import NEW_ENTRY_SUFFIX, Inputs

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
        self.service = RequestService(db, self.runtime)
        path = current.spec.wizard.path
        self.base = f"/{path}/{code}" if code else f"/{path}"
        self.locale = current.spec.locale
        self.words = Words(self.locale)

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

    def session_is_open(self) -> bool:
        if session_field(self.current) is None:
            return True
        row = self.session_row()
        return row is not None and row.is_open

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
                row = self.db.execute(
                    select(RequestRow)
                    .where(
                        RequestRow.account_id == account.id,
                        RequestRow.workflow_id == self.current.spec.id,
                        RequestRow.session_code == self.code,
                        RequestRow.submitted_at.is_(None),
                    )
                    .order_by(RequestRow.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
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

    def session_closed(self) -> HTMLResponse:
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
        extras = self.service.extras(row, compiled) if row is not None else self._extras(compiled)
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
        field = session_field(compiled)
        return {field.id: self.code} if field is not None and self.code else {}

    def _extras(self, compiled: CompiledWorkflow) -> dict[str, Any]:
        return {
            "session": self.session_view(compiled) or {},
            "request": {"reference": None, "state": compiled.spec.process.initial},
            "settings": compiled.settings_with(self.service.settings_of(compiled)),
            "entries": {},
        }

    # -- handling a step's form ---------------------------------------------------------------

    def validate(
        self, row: RequestRow | None, compiled: CompiledWorkflow, step: CompiledStep, inputs: Inputs
    ) -> StepResult:
        answers = dict(row.answers) if row is not None else self.initial_answers(compiled)
        extras = self.service.extras(row, compiled) if row is not None else self._extras(compiled)
        return compiled.wizard.validate_step(
            step.id,
            inputs,
            answers,
            catalog=self.service.catalog(compiled),
            today=self.runtime.today(),
            extras=extras,
            locale=self.locale,
        )

    def stored_inputs(
        self, row: RequestRow | None, compiled: CompiledWorkflow, step: CompiledStep
    ) -> Inputs:
        answers = dict(row.answers) if row is not None else self.initial_answers(compiled)
        return inputs_from_answers(step, answers, compiled.wizard.forms)

    def hidden_now(
        self, row: RequestRow | None, compiled: CompiledWorkflow, step: CompiledStep
    ) -> set[str]:
        answers = dict(row.answers) if row is not None else self.initial_answers(compiled)
        extras = self.service.extras(row, compiled) if row is not None else self._extras(compiled)
        visible = {f.id for f in compiled.wizard.visible_fields(step, answers, extras)}
        return {f.id for f in step.fields if f.id not in visible}

    def handle_step(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        inputs: Inputs,
        nav: str,
        shown: set[str] | None,
    ) -> Response:
        try:
            return self._handle_step(row, compiled, step, inputs, nav, shown)
        except StaleDataError:
            # Another tab (or a double click) saved this draft at the same moment.
            self.db.rollback()
            self.db.refresh(row)
            if not self.is_draft(row):
                return self.after_submission(row)
            return see_other(self.step_url(row.current_step or step.id))

    def _handle_step(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        inputs: Inputs,
        nav: str,
        shown: set[str] | None,
    ) -> Response:
        result = self.validate(row, compiled, step, inputs)
        if nav == "search":
            return self.render_step(row, compiled, StepScreen(step, inputs, hidden=result.hidden))
        if nav == "previous":
            self._save_partial(row, compiled, step, result)
            self.db.commit()
            return see_other(self.step_url(self._neighbour(row, compiled, step, -1)))
        appeared = self._appeared(compiled, step, result, inputs, shown)
        if appeared:
            self._save_partial(row, compiled, step, result)
            self.db.commit()
            errors = {k: v for k, v in result.errors.items() if _field_of(k) not in appeared}
            screen = StepScreen(
                step, inputs, errors, result.hidden, [("info", self.words["new_fields"])]
            )
            return self.render_step(row, compiled, screen)
        if not result.ok:
            self._save_partial(row, compiled, step, result)
            self.db.commit()
            screen = StepScreen(step, inputs, result.errors, result.hidden, status=422)
            return self.render_step(row, compiled, screen)
        self.service.save_answers(row, compiled, step.id, result.values, resume_at=None)
        following = self._following(row, compiled, step)
        if following is None:
            self.db.commit()  # the last answers are kept even if the submission is refused
            return self.submit(row, compiled, step, inputs, result)
        self._advance(row, compiled, following)
        self.db.commit()
        return see_other(self.step_url(following))

    def visible_step_ids(self, row: RequestRow, compiled: CompiledWorkflow) -> list[str]:
        """The draft's steps in order, as its answers make them visible."""
        extras = self.service.extras(row, compiled)
        return [s.id for s in compiled.wizard.visible_steps(row.answers, extras)]

    def _advance(self, row: RequestRow, compiled: CompiledWorkflow, step_id: str) -> None:
        """The draft's step is the furthest one reached: going back and forth keeps it."""
        ids = self.visible_step_ids(row, compiled)
        current = row.current_step
        if current not in ids or step_id not in ids or ids.index(step_id) > ids.index(current):
            row.current_step = step_id

    def _appeared(
        self,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        result: StepResult,
        inputs: Inputs,
        shown: set[str] | None,
    ) -> set[str]:
        """Fields (and "not in the list" sub-forms) that the answers make visible but that the
        page did not show: without JavaScript, the applicant must see them before going on."""
        if shown is None:
            return set()
        appeared = {
            f.id
            for f in step.fields
            if f.id not in result.hidden and f.id not in shown and f.visible_if is not None
        }
        for f in step.fields:
            if isinstance(f.spec, ReferenceChoiceField) and f.spec.not_found is not None:
                name = f.id + NEW_ENTRY_SUFFIX
                # Typed into the sub-form: it was on screen (opened by the script).
                typed = any(value and key.startswith(f"{name}__") for key, value in inputs.items())
                opened = inputs.get(name) and f.id not in result.hidden
                if opened and name not in shown and not typed:
                    appeared.add(f.id)
        return appeared

    def _save_partial(
        self, row: RequestRow, compiled: CompiledWorkflow, step: CompiledStep, result: StepResult
    ) -> None:
        """Keeps what is valid; a field whose new value is wrong keeps its stored answer."""
        wrong = {_field_of(name) for name in result.errors}
        values = {k: v for k, v in result.values.items() if k not in wrong and v is not None}
        values.update({k: row.answers[k] for k in wrong if k in row.answers})
        self.service.save_answers(row, compiled, step.id, values, resume_at=None)

    def _neighbour(
        self, row: RequestRow, compiled: CompiledWorkflow, step: CompiledStep, direction: int
    ) -> str:
        ids = self.visible_step_ids(row, compiled)
        if step.id not in ids:
            return ids[0]
        index = max(0, min(len(ids) - 1, ids.index(step.id) + direction))
        return ids[index]

    def _following(
        self, row: RequestRow, compiled: CompiledWorkflow, step: CompiledStep
    ) -> str | None:
        ids = self.visible_step_ids(row, compiled)
        if step.id not in ids:
            return ids[0] if ids else None
        index = ids.index(step.id)
        return ids[index + 1] if index + 1 < len(ids) else None

    def reachable(self, row: RequestRow, compiled: CompiledWorkflow, step_id: str) -> str:
        """The step the applicant may see: the asked one if it is visible and every step
        before it is complete, else the first incomplete one. The step the draft is at was
        reached by completing the ones before it, so they are not checked again (submission
        checks every step anyway)."""
        extras = self.service.extras(row, compiled)
        ids = self.visible_step_ids(row, compiled)
        current = row.current_step
        if current in ids and step_id in ids:
            # Steps up to the one the draft is at were completed to get there.
            return step_id if ids.index(step_id) <= ids.index(current) else current
        incomplete = compiled.wizard.first_incomplete_step(
            row.answers,
            catalog=self.service.catalog(compiled),
            today=self.runtime.today(),
            extras=extras,
        )
        limit = ids.index(incomplete) if incomplete in ids else len(ids) - 1
        if step_id in ids and ids.index(step_id) <= limit:
            return step_id
        return ids[limit] if ids else compiled.wizard.steps[0].id

    # -- submission ---------------------------------------------------------------------------

    def submit(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        inputs: Inputs,
        result: StepResult,
    ) -> Response:
        try:
            self.service.submit(row, compiled)
            self.db.commit()
        except Incomplete as error:
            self.db.rollback()
            return see_other(self.step_url(error.step_id))
        except FireError as error:
            # The submission's own condition (a rule across answers) does not hold: say why on
            # the last step, with everything typed kept.
            self.db.rollback()
            screen = StepScreen(step, inputs, hidden=result.hidden, status=422)
            screen.notices.append(("error", error.message))
            return self.render_step(row, compiled, screen)
        except (Conflict, StaleDataError):
            # Sent twice at once (two tabs, a double click): the other one went through.
            self.db.rollback()
            return self.after_submission(row)
        return self.after_submission(row)

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


def _field_of(input_name: str) -> str:
    return input_name.split("__", 1)[0]


def _target(view: FieldView) -> str:
    """The element a summary link points at: the input, the first radio of a group, the
    search box of a searchable list."""
    if view.type == "reference_choice" and view.extra.get("display") == "search":
        return str(view.extra["search_name"])
    grouped = view.type in {"choice", "multi_choice", "yes_no", "reference_choice"}
    if view.options and grouped and view.extra.get("display") != "select":
        return f"{view.name}-{view.options[0].value}"
    return view.name
