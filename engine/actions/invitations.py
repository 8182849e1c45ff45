"""The `invite` action: a request invites its applicant to answer another workflow's wizard.

It makes a draft of that workflow with given answers (the session's code, the inviting
request's reference...) and mails a link that opens it; the draft is made once per inviting
request and workflow, so a second invitation leads to the same draft."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from ..spec_types import Identifier, SpecModel, one_or_many
from .effects import Effect, Invite
from .recipients import Recipient, recipient_references
from .registry import ActionKind, ActionRegistry, PlanContext, Reference


class InviteParams(SpecModel):
    """A draft of another workflow, made with given answers, and a mail with its link."""

    workflow: Identifier = Field(description="the workflow whose wizard the invitation opens")
    answers: dict[Identifier, str] = Field(
        default_factory=dict,
        description=(
            "the invited draft's given answers: a field of type given of that workflow, and a "
            "text with template variables of the inviting request ({{ session.code }})"
        ),
    )
    template: Identifier = Field(description="the mail carrying the link ({{ invitation.url }})")
    to: one_or_many(Recipient) = Field(  # type: ignore[valid-type]
        description="who receives the link: `applicant`, or recipients, one or a list"
    )


def _references(params: InviteParams) -> Iterator[Reference]:
    yield Reference("workflow", params.workflow, ("workflow",))
    for field_id in params.answers:
        yield Reference("invited_field", f"{params.workflow}.{field_id}", ("answers", field_id))
    yield Reference("template", params.template, ("template",))
    yield from recipient_references(params.to, "to")


def _plan(params: InviteParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    answers = {field_id: ctx.render_text(text).strip() for field_id, text in params.answers.items()}
    to = tuple(addressee for recipient in params.to for addressee in ctx.resolve(recipient))
    yield Invite(key, params.workflow, answers, params.template, to)


def register_invitation_actions(registry: ActionRegistry) -> None:
    registry.register(
        ActionKind(
            "invite",
            InviteParams,
            _plan,
            _references,
            "make a draft of another workflow with given answers, and mail its link",
        )
    )
