"""The applicant's draft, step by step: the use cases behind the wizard's pages. Each reads,
validates, decides where the applicant goes next, then writes in a short transaction of its
own; the web layer only turns the outcome into a page or a redirection.

Which step comes next, which steps may be seen, which answers are kept when some are wrong:
all of it is decided here, from the spec, for any workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..compiled import CompiledWorkflow
from ..process.firing import FireError
from ..spec.fields import GivenField
from ..store.models import Account, RequestRow
from ..wizard.plan import CompiledStep, StepResult
from ..wizard.values import NEW_ENTRY_SUFFIX, Inputs
from .accounts import prefill
from .context import Runtime
from .requests import Conflict, Draft, Incomplete, RequestService, session_field
from .transaction import writing


class Nav(StrEnum):
    """What the applicant pressed on a step."""

    NEXT = "next"
    PREVIOUS = "previous"
    SEARCH = "search"


class Go(StrEnum):
    STEP = "step"  # go to `step_id`
    SHOW = "show"  # show the step again (errors, fields that appeared, search results)
    SENT = "sent"  # the request was sent (or was sent meanwhile)
    REFUSED = "refused"  # the submission's own condition does not hold: `message` says why


@dataclass
class StepOutcome:
    go: Go
    step_id: str | None = None
    result: StepResult | None = None
    errors: dict[str, str] = field(default_factory=dict)
    appeared: bool = False  # fields appeared that the page did not show yet
    message: str = ""
    status: int = 200


def given_inputs(step: CompiledStep, inputs: Inputs, answers: dict[str, Any]) -> Inputs:
    """The inputs with the step's given answers (made with the draft) in place of whatever
    the form posted for them: an applicant cannot change them."""
    given = {f.id for f in step.fields if isinstance(f.spec, GivenField)}
    if not given:
        return inputs
    kept = {k: v for k, v in inputs.items() if field_of(k) not in given}
    kept.update({k: str(answers[k]) for k in given if answers.get(k) is not None})
    return kept


def field_of(input_name: str) -> str:
    return input_name.split("__", 1)[0]


_TABLE = RequestRow.__table__
# The statement of every step posted: built once (SQLAlchemy then reuses its compiled form).
_SAVE_ANSWERS = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id", type_=Integer),
        _TABLE.c.version == bindparam("seen_version", type_=Integer),
    )
    .values(
        answers=bindparam("new_answers", type_=_TABLE.c.answers.type),
        updated_at=bindparam("new_updated_at", type_=_TABLE.c.updated_at.type),
        current_step=bindparam("new_step", type_=_TABLE.c.current_step.type),
        version=bindparam("new_version", type_=Integer),
    )
)


def save_answers(
    db: Session,
    row: RequestRow,
    answers: dict[str, Any],
    now: datetime,
    step: str | None = None,
) -> None:
    """Writes a draft's answers (and the step it reached, when it went further) in the write
    transaction, checking the row's version as the ORM's UPDATE would (StaleDataError when
    another tab saved it meanwhile). One Core statement: the ORM's unit of work cost more than
    the UPDATE itself on the wizard's most frequent write. The loaded row takes the new values
    as written."""
    values = {
        "answers": answers,
        "updated_at": now,
        "current_step": row.current_step if step is None else step,
        "version": row.version + 1,
    }
    done = db.connection().execute(
        _SAVE_ANSWERS,
        {
            "row_id": row.id,
            "seen_version": row.version,
            "new_answers": values["answers"],
            "new_updated_at": values["updated_at"],
            "new_step": values["current_step"],
            "new_version": values["version"],
        },
    )
    if done.rowcount != 1:
        raise StaleDataError(f"request {row.id} changed since version {row.version}")
    for key, value in values.items():
        set_committed_value(row, key, value)


class Drafts:
    """One applicant's drafts in one workflow, for the duration of one web request."""

    def __init__(self, db: Session, runtime: Runtime) -> None:
        self.db = db
        self.runtime = runtime
        self.requests = RequestService(db, runtime)

    # -- reading --------------------------------------------------------------------------------

    def latest_of_account(
        self, account_id: int, workflow_id: str, session_code: str | None
    ) -> RequestRow | None:
        return self.db.execute(
            select(RequestRow)
            .where(
                RequestRow.account_id == account_id,
                RequestRow.workflow_id == workflow_id,
                RequestRow.session_code == session_code,
                RequestRow.submitted_at.is_(None),
            )
            .order_by(RequestRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def initial_answers(self, compiled: CompiledWorkflow, code: str | None) -> dict[str, Any]:
        found = session_field(compiled)
        return {found.id: code} if found is not None and code else {}

    def extras_without_draft(self, compiled: CompiledWorkflow, code: str | None) -> dict[str, Any]:
        session = self.requests.session_by_code(compiled, code, None) if code else {}
        return {
            "session": session,
            "request": {"reference": None, "state": compiled.spec.process.initial},
            "settings": compiled.settings_with(self.requests.settings_of(compiled)),
            "entries": {},
        }

    def validate(
        self,
        row: RequestRow | None,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        inputs: Inputs,
        code: str | None,
        locale: str,
    ) -> StepResult:
        service = self.requests
        inputs = given_inputs(step, inputs, row.answers if row is not None else {})
        if row is not None:
            answers, extras = dict(row.answers), service.extras(row, compiled)
        else:
            answers = self.initial_answers(compiled, code)
            extras = self.extras_without_draft(compiled, code)
        return compiled.wizard.validate_step(
            step.id,
            inputs,
            answers,
            catalog=service.catalog(compiled),
            today=self.runtime.today(),
            extras=extras,
            locale=locale,
        )

    def hidden_now(
        self,
        row: RequestRow | None,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        code: str | None,
    ) -> set[str]:
        if row is not None:
            answers, extras = dict(row.answers), self.requests.extras(row, compiled)
        else:
            answers = self.initial_answers(compiled, code)
            extras = self.extras_without_draft(compiled, code)
        visible = {f.id for f in compiled.wizard.visible_fields(step, answers, extras)}
        return {f.id for f in step.fields if f.id not in visible}

    def visible_step_ids(self, row: RequestRow, compiled: CompiledWorkflow) -> list[str]:
        """The draft's steps in order, as its answers make them visible."""
        extras = self.requests.extras(row, compiled)
        return [s.id for s in compiled.wizard.visible_steps(row.answers, extras)]

    def following(self, row: RequestRow, compiled: CompiledWorkflow, step_id: str) -> str | None:
        ids = self.visible_step_ids(row, compiled)
        if step_id not in ids:
            return ids[0] if ids else None
        index = ids.index(step_id)
        return ids[index + 1] if index + 1 < len(ids) else None

    def neighbour(
        self, row: RequestRow, compiled: CompiledWorkflow, step_id: str, direction: int
    ) -> str:
        ids = self.visible_step_ids(row, compiled)
        if step_id not in ids:
            return ids[0]
        index = max(0, min(len(ids) - 1, ids.index(step_id) + direction))
        return ids[index]

    def reachable(self, row: RequestRow, compiled: CompiledWorkflow, step_id: str) -> str:
        """The step the applicant may see: the asked one if it is visible and every step
        before it is complete, else the first incomplete one. The step the draft is at was
        reached by completing the ones before it, so they are not checked again (submission
        checks every step anyway)."""
        ids = self.visible_step_ids(row, compiled)
        current = row.current_step
        if current in ids and step_id in ids:
            return step_id if ids.index(step_id) <= ids.index(current) else current
        incomplete = compiled.wizard.first_incomplete_step(
            row.answers,
            catalog=self.requests.catalog(compiled),
            today=self.runtime.today(),
            extras=self.requests.extras(row, compiled),
        )
        limit = ids.index(incomplete) if incomplete in ids else len(ids) - 1
        if step_id in ids and ids.index(step_id) <= limit:
            return step_id
        return ids[limit] if ids else compiled.wizard.steps[0].id

    # -- writing --------------------------------------------------------------------------------

    def start(
        self,
        compiled: CompiledWorkflow,
        code: str | None,
        locale: str | None,
        account: Account | None,
        *,
        past_first_step: bool = False,
    ) -> Draft:
        """A new draft (pre-filled for a known applicant), optionally already past the first
        step (the session is the address's)."""
        with writing(self.db):
            draft = self.requests.new_draft(compiled, code, locale, account)
        if past_first_step:
            first = compiled.wizard.steps[0].id
            following = self.following(draft.row, compiled, first)
            if following is not None:
                with writing(self.db):
                    draft.row.current_step = following
        return draft

    def attach_account(self, row: RequestRow, compiled: CompiledWorkflow, account: Account) -> None:
        """A draft begun before logging in becomes the account's; what it lacks of the known
        identity is filled in, what the applicant already typed is kept."""
        answers = {**prefill(compiled, account), **row.answers}
        with writing(self.db):
            row.account_id = account.id
            row.answers = answers

    def abandon(self, row: RequestRow) -> None:
        with writing(self.db):
            self.db.delete(row)

    def handle_step(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        inputs: Inputs,
        nav: str,
        shown: set[str] | None,
        locale: str,
    ) -> StepOutcome:
        """Validates the step's form and saves what is valid; says where to go."""
        try:
            return self._handle_step(row, compiled, step, inputs, nav, shown, locale)
        except StaleDataError:
            # Another tab (or a double click) saved this draft at the same moment.
            self.db.rollback()
            self.db.refresh(row)
            if not self.requests.is_draft(row, compiled):
                return StepOutcome(Go.SENT)
            return StepOutcome(Go.STEP, row.current_step or step.id)

    def _handle_step(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        inputs: Inputs,
        nav: str,
        shown: set[str] | None,
        locale: str,
    ) -> StepOutcome:
        result = self.validate(row, compiled, step, inputs, row.session_code, locale)
        if nav == Nav.SEARCH:
            return StepOutcome(Go.SHOW, step.id, result)
        if nav == Nav.PREVIOUS:
            self._save(row, compiled, step, self._valid_part(row, result))
            return StepOutcome(Go.STEP, self.neighbour(row, compiled, step.id, -1))
        appeared = self._appeared(step, result, inputs, shown)
        if appeared:
            self._save(row, compiled, step, self._valid_part(row, result))
            errors = {k: v for k, v in result.errors.items() if field_of(k) not in appeared}
            return StepOutcome(Go.SHOW, step.id, result, errors=errors, appeared=True)
        if not result.ok:
            self._save(row, compiled, step, self._valid_part(row, result))
            return StepOutcome(Go.SHOW, step.id, result, errors=result.errors, status=422)
        answers = self.requests.answers_after_step(row, compiled, step.id, result.values)
        extras = self.requests.extras(row, compiled, answers)
        ids = [s.id for s in compiled.wizard.visible_steps(answers, extras)]
        if step.id not in ids:
            following = ids[0] if ids else None
        else:
            index = ids.index(step.id)
            following = ids[index + 1] if index + 1 < len(ids) else None
        current = row.current_step
        # The draft's step is the furthest one reached: going back and forth keeps it.
        further = following is not None and (
            current not in ids or following not in ids or ids.index(following) > ids.index(current)
        )
        with writing(self.db):
            save_answers(self.db, row, answers, self.runtime.now(), following if further else None)
        if following is None:
            return self._submit(row, compiled, step, result)
        return StepOutcome(Go.STEP, following)

    def _valid_part(self, row: RequestRow, result: StepResult) -> dict[str, Any]:
        """What is valid; a field whose new value is wrong keeps its stored answer."""
        wrong = {field_of(name) for name in result.errors}
        values = {k: v for k, v in result.values.items() if k not in wrong and v is not None}
        values.update({k: row.answers[k] for k in wrong if k in row.answers})
        return values

    def _save(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step: CompiledStep,
        values: dict[str, Any],
    ) -> None:
        answers = self.requests.answers_after_step(row, compiled, step.id, values)
        with writing(self.db):
            save_answers(self.db, row, answers, self.runtime.now())

    def _appeared(
        self, step: CompiledStep, result: StepResult, inputs: Inputs, shown: set[str] | None
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
            if f.spec.sub_form() is not None:  # its "not in the list" sub-form
                name = f.id + NEW_ENTRY_SUFFIX
                # Typed into the sub-form: it was on screen (opened by the script).
                typed = any(value and key.startswith(f"{name}__") for key, value in inputs.items())
                opened = inputs.get(name) and f.id not in result.hidden
                if opened and name not in shown and not typed:
                    appeared.add(f.id)
        return appeared

    def _submit(
        self, row: RequestRow, compiled: CompiledWorkflow, step: CompiledStep, result: StepResult
    ) -> StepOutcome:
        """The last step's answers are kept (saved above) even if the submission is refused."""
        try:
            self.requests.submit(row, compiled)
        except Incomplete as error:
            return StepOutcome(Go.STEP, error.step_id)
        except FireError as error:
            # The submission's own condition (a rule across answers) does not hold: say why on
            # the last step, with everything typed kept.
            return StepOutcome(Go.REFUSED, step.id, result, message=error.message, status=422)
        except (Conflict, StaleDataError):
            # Sent twice at once (two tabs, a double click): the other one went through.
            self.db.rollback()
        return StepOutcome(Go.SENT)
