"""Pages opened from mailed links. Opening a link never changes anything (mail scanners open
links): the page shows a button, and only its POST fires a transition or sets a password."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from engine.compiled import CompiledWorkflow
from engine.process.actors import Actor
from engine.process.firing import FireError
from engine.service import follow_links
from engine.service.accounts import MIN_PASSWORD_LENGTH
from engine.service.context import Runtime
from engine.service.links import LinkError, LinkProblem
from engine.service.requests import Conflict, RequestService
from engine.service.resubmission import CorrectionClosed, CorrectionRefused, can_resubmit, resubmit
from engine.service.sign_in import PasswordProblem, set_password_from_link
from engine.spec.workflow import Link
from engine.store.models import Account, RequestRow
from engine.wizard.display import display_answers

from ..deps import Form, HandlerDb, SessionClosingRoute
from ..forms import form_inputs, form_text
from ..i18n import Words
from ..pages import csrf_ok, message_page, render
from ..params import SpecId, Token
from .correction_page import correction_page

router = APIRouter(route_class=SessionClosingRoute)


class LinkVisit:
    """A request reached through a link: checks the signature, the purpose, the age."""

    def __init__(self, request: Request, db: Session, link_id: str, token: str) -> None:
        self.request = request
        self.db = db
        self.runtime: Runtime = request.app.state.runtime
        self.service = RequestService(db, self.runtime)
        self.link_id = link_id
        self.token = token
        self.row: RequestRow | None = None
        self.compiled: CompiledWorkflow | None = None
        self.link: Link | None = None
        self.signed_at: datetime | None = None
        self.problem: LinkProblem | None = None
        self.locale = "fr"
        self._open()

    def _open(self) -> None:
        signer = self.runtime.signer
        try:
            public_id = signer.subject_unchecked(self.link_id, self.token)
        except LinkError as error:
            self.problem = error.problem
            return
        row = self.service.by_public_id(public_id)
        if row is None:
            self.problem = LinkProblem.INVALID
            return
        compiled = self.service.compiled_for(row)
        self.locale = row.locale or compiled.spec.locale
        link = next((k for k in compiled.spec.links if k.id == self.link_id), None)
        if link is None:
            self.problem = LinkProblem.INVALID
            return
        try:
            lifetime = compiled.duration(link.lifetime, self.service.settings_of(compiled))
            _, self.signed_at = signer.read_with_time(self.link_id, self.token, lifetime)
        except LinkError as error:
            self.problem = error.problem
            return
        self.row, self.compiled, self.link = row, compiled, link

    @property
    def words(self) -> Words:
        return Words(self.locale)

    @property
    def actor(self) -> Actor:
        assert self.link is not None and self.row is not None
        if self.link.opens == "follow":
            return Actor.applicant(self.row.applicant_email)
        return Actor.via_link(self.link_id)

    def problem_page(self) -> HTMLResponse:
        words = self.words
        if self.problem is LinkProblem.EXPIRED:
            title, text, status = words["link_expired_title"], words["link_expired"], 410
        else:
            title, text, status = words["link_invalid_title"], words["link_invalid"], 400
        return message_page(
            self.request,
            title,
            text,
            status=status,
            locale=self.locale,
            kind="warning",
            links=[("/", words["see_sessions"])],
        )

    def correction_page(self, **options: Any) -> HTMLResponse | None:
        """The reopened steps, while their resubmission is this link's to fire."""
        assert self.row is not None and self.compiled is not None
        correction = can_resubmit(self.service, self.row, self.compiled, self.actor)
        if correction is None:
            return None
        return correction_page(
            self.request,
            self.service,
            self.row,
            self.compiled,
            correction,
            locale=self.locale,
            frame=_frame(self.compiled, self.locale),
            action=f"/liens/{self.link_id}/{self.token}",
            **options,
        )

    def request_page(
        self, *, notice: tuple[str, str] | None = None, error: str = "", status: int = 200
    ) -> HTMLResponse:
        assert self.row is not None and self.compiled is not None and self.link is not None
        compiled, row = self.compiled, self.row
        if notice is None:
            reopened = self.correction_page(message=error, status=status)
            if reopened is not None:
                return reopened
        available = [a for a in self.service.available(row, compiled, self.actor) if a.enabled]
        used = (
            self.link.opens == "transitions"
            and not available
            and self.service.fired_by_link(row, self.link_id)
        )
        state = compiled.states.get(row.state)
        snapshot = self.service.snapshot(row, compiled)
        summary = display_answers(
            compiled.fields, row.answers, self.locale, compiled.spec.locale, snapshot.entries
        )
        return render(
            self.request,
            "links/request.html",
            {
                **_frame(compiled, self.locale),
                "title": self.words("request_title", reference=row.reference or ""),
                "reference": row.reference,
                "state_label": compiled.text(state.label, self.locale) if state else row.state,
                "state_description": compiled.text(state.description, self.locale)
                if state and state.description
                else "",
                "session": snapshot.session,
                "summary": _summary_rows(compiled, summary, self.locale)
                if self.link.opens == "follow"
                else [],
                "transitions": [
                    {
                        "id": a.transition.id,
                        "label": compiled.text(a.transition.label, self.locale),
                        "confirm": compiled.text(a.transition.confirm, self.locale)
                        if a.transition.confirm
                        else "",
                        "danger": a.transition.style == "danger",
                        "comment": a.transition.comment,
                        "comment_label": compiled.text(a.transition.comment.label, self.locale)
                        if a.transition.comment and a.transition.comment.label
                        else self.words["comment"],
                    }
                    for a in available
                ],
                "version": row.version,
                "action": f"/liens/{self.link_id}/{self.token}",
                "used": used,
                "notice": notice,
                "error": error,
            },
            status=status,
            locale=self.locale,
        )


def _frame(compiled: CompiledWorkflow, locale: str) -> dict[str, Any]:
    return {
        "brand": compiled.spec.organisation.get("name", ""),
        "organisation": dict(compiled.spec.organisation),
        "header_title": compiled.text(compiled.spec.title, locale),
    }


def _summary_rows(
    compiled: CompiledWorkflow, display: dict[str, Any], locale: str
) -> list[tuple[str, str]]:
    rows = []
    for field_id, field in compiled.fields.items():
        value = display.get(field_id)
        label = getattr(field, "label", None)
        if value in (None, "") or label is None:
            continue
        rows.append((compiled.text(label, locale), str(value)))
    return rows


@router.get("/liens/{link_id}/{token}", response_class=HTMLResponse)
def open_link(
    request: Request,
    db: HandlerDb,
    link_id: SpecId,
    token: Token,
) -> Response:
    visit = LinkVisit(request, db, link_id, token)
    if visit.problem is not None or visit.link is None:
        return visit.problem_page()
    if visit.link.opens == "set_password":
        return _password_page(visit)
    return visit.request_page()


@router.post("/liens/{link_id}/{token}", response_class=HTMLResponse)
def use_link(
    request: Request,
    db: HandlerDb,
    form: Form,
    link_id: SpecId,
    token: Token,
) -> Response:
    visit = LinkVisit(request, db, link_id, token)
    if visit.problem is not None or visit.link is None:
        return visit.problem_page()
    if visit.link.opens == "set_password":
        if not csrf_ok(request, form.get("_csrf")):
            return _password_page(visit, error=visit.words["form_expired"], status=400)
        # Argon2 takes a noticeable time by design: keep the event loop free meanwhile.
        return _set_password(visit, form)
    if not csrf_ok(request, form.get("_csrf")):
        return visit.request_page(error=visit.words["form_expired"], status=400)
    assert visit.row is not None and visit.compiled is not None
    transition_id = form_text(form, "transition", 64)
    try:
        version = int(form_text(form, "_version", 12))
    except ValueError:
        version = -1
    if transition_id and can_resubmit(visit.service, visit.row, visit.compiled, visit.actor):
        return _resubmit(visit, form, version)
    try:
        result = visit.service.fire(
            visit.row,
            visit.compiled,
            transition_id,
            visit.actor,
            comment=form_text(form, "comment", 5000) or None,
            expected_version=version,
            alternatives=True,
        )
    except FireError as error:
        return visit.request_page(error=error.message, status=409)
    except Conflict:
        db.refresh(visit.row)
        return visit.request_page(error=visit.words["conflict"], status=409)
    label = visit.compiled.process.transitions[result.transition].label
    done = f"{visit.compiled.text(label, visit.locale)} : {visit.words['done_title'].lower()}."
    return visit.request_page(notice=("success", done))


def _resubmit(visit: LinkVisit, form: FormData, version: int) -> HTMLResponse:
    assert visit.row is not None and visit.compiled is not None
    inputs = form_inputs(form)
    if form_text(form, "_nav", 16) == "search":
        # A reference list searched without JavaScript: the page again, with the results.
        page = visit.correction_page(posted=inputs)
        if page is not None:
            return page
    try:
        result = resubmit(
            visit.service,
            visit.row,
            visit.compiled,
            visit.actor,
            inputs,
            expected_version=version,
            locale=visit.locale,
        )
    except CorrectionRefused as refused:
        page = visit.correction_page(posted=inputs, errors=refused.errors, status=422)
        return page or visit.request_page(error=visit.words["corrections_closed"], status=409)
    except CorrectionClosed:
        return visit.request_page(error=visit.words["corrections_closed"], status=409)
    except FireError as error:
        # The corrections are saved and the reopening still open: the page offers them again.
        visit.db.refresh(visit.row)
        return visit.request_page(error=error.message, status=409)
    except Conflict:
        visit.db.refresh(visit.row)
        return visit.request_page(error=visit.words["conflict"], status=409)
    label = visit.compiled.process.transitions[result.transition].label
    done = f"{visit.compiled.text(label, visit.locale)} : {visit.words['done_title'].lower()}."
    return visit.request_page(notice=("success", done))


def _account_of(visit: LinkVisit) -> Account | None:
    if visit.row is None or visit.row.account_id is None:
        return None
    return visit.db.get(Account, visit.row.account_id)


def _password_page(
    visit: LinkVisit, *, error: str = "", status: int = 200, done: bool = False
) -> HTMLResponse:
    account = _account_of(visit)
    words = visit.words
    if account is None:
        return message_page(
            visit.request, words["link_invalid_title"], words["link_invalid"], status=400
        )
    changed = account.password_changed_at
    if (
        not done
        and changed is not None
        and visit.signed_at is not None
        and changed >= visit.signed_at
    ):
        return message_page(
            visit.request,
            words["link_used_title"],
            words["link_used"],
            status=410,
            locale=visit.locale,
            kind="warning",
        )
    assert visit.compiled is not None
    return render(
        visit.request,
        "links/password.html",
        {
            **_frame(visit.compiled, visit.locale),
            "title": words["password_title"],
            "email": account.email,
            "action": f"/liens/{visit.link_id}/{visit.token}",
            "error": error,
            "done": done,
            "min_length": MIN_PASSWORD_LENGTH,
        },
        status=status,
        locale=visit.locale,
    )


def _set_password(visit: LinkVisit, form: FormData) -> HTMLResponse:
    account = _account_of(visit)
    if account is None or visit.signed_at is None:
        return _password_page(visit)
    words = visit.words
    problem = set_password_from_link(
        visit.db,
        account,
        password=form_text(form, "password", 1000),
        confirm=form_text(form, "password_confirm", 1000),
        link_made_at=visit.signed_at,
        now=visit.runtime.now(),
    )
    if problem is PasswordProblem.TOO_SHORT:
        return _password_page(
            visit, error=words("password_too_short", n=MIN_PASSWORD_LENGTH), status=422
        )
    if problem is PasswordProblem.MISMATCH:
        return _password_page(visit, error=words["password_mismatch"], status=422)
    if problem is PasswordProblem.ALREADY_SET:
        return _password_page(visit)
    return _password_page(visit, done=True)


@router.get("/mes-demandes/{workflow_id}/{token}", response_class=HTMLResponse)
def my_requests(
    request: Request,
    db: HandlerDb,
    workflow_id: SpecId,
    token: Token,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    compiled = runtime.registry.get(workflow_id)
    link = next((k for k in compiled.spec.links if k.opens == "follow"), None) if compiled else None
    words = Words(compiled.spec.locale if compiled else "fr")
    if compiled is None or link is None:
        return message_page(request, words["link_invalid_title"], words["link_invalid"], status=400)
    try:
        lifetime = compiled.duration(
            link.lifetime, RequestService(db, runtime).settings_of(compiled)
        )
        email = follow_links.email_of(db, runtime.signer, workflow_id, token, lifetime)
    except LinkError as error:
        expired = error.problem is LinkProblem.EXPIRED
        return message_page(
            request,
            words["link_expired_title" if expired else "link_invalid_title"],
            words["link_expired" if expired else "link_invalid"],
            status=410 if expired else 400,
            kind="warning",
        )
    service = RequestService(db, runtime)
    rows = db.execute(
        select(RequestRow)
        .where(
            RequestRow.workflow_id == workflow_id,
            RequestRow.applicant_email == email,
            RequestRow.submitted_at.is_not(None),
        )
        .order_by(RequestRow.submitted_at.desc())
    ).scalars()
    items = []
    for row in rows:
        version = service.compiled_for(row)
        state = version.states.get(row.state)
        session = service.session_of(row, version)
        items.append(
            {
                "reference": row.reference,
                "state_label": version.text(state.label) if state else row.state,
                "session": session,
                "submitted_on": row.submitted_at.astimezone(runtime.zone).strftime("%d/%m/%Y")
                if row.submitted_at
                else "",
                "url": runtime.link_url(link.id, runtime.signer.sign(link.id, row.public_id)),
            }
        )
    return render(
        request,
        "links/requests.html",
        {**_frame(compiled, compiled.spec.locale), "title": words["my_requests"], "items": items},
        locale=compiled.spec.locale,
    )
