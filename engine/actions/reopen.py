"""The `reopen` action: a transition sends chosen steps of the wizard back to the applicant.

The applicant gets a mail whose link (`links.<id>` of the link that fires `resubmit`) opens
those steps, filled with the answers given, and a button that sends the corrected answers and
fires `resubmit`, a transition back into the process. The other steps stay as they were."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from ..spec_types import Identifier, SpecModel
from .effects import Effect, Reopen, SendMail
from .registry import ActionKind, ActionRegistry, PlanContext, Reference


class ReopenParams(SpecModel):
    steps: tuple[Identifier, ...] = Field(
        min_length=1, description="ids of the wizard's steps the applicant corrects"
    )
    mail: Identifier = Field(
        description=(
            "the mail to the applicant, a folder of mail_templates/; it carries the link of "
            "the resubmission ({{ links.<id> }}) and may quote {{ transition.comment }}"
        )
    )
    resubmit: Identifier = Field(
        description=(
            "the transition the corrected answers fire, declared `by: {link: <id>}` from the "
            "state this transition leads to"
        )
    )


def _references(params: ReopenParams) -> Iterator[Reference]:
    for index, step in enumerate(params.steps):
        yield Reference("step", step, ("steps", index))
    yield Reference("template", params.mail, ("mail",))
    yield Reference("applicant", "email", ("mail",))
    yield Reference("resubmit", params.resubmit, ("resubmit",))


def _plan(params: ReopenParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    yield Reopen(key, params.steps, params.resubmit)
    yield SendMail(f"{key}:mail", params.mail, ctx.resolve("applicant"))


def register_reopen_actions(registry: ActionRegistry) -> None:
    registry.register(
        ActionKind(
            "reopen",
            ReopenParams,
            _plan,
            _references,
            "send chosen steps back to the applicant, who corrects them through a mailed link "
            "and resubmits",
        )
    )
