"""The built-in action kinds: mail, document, notification, account."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

from pydantic import Field

from ..spec_types import Identifier, SpecModel, Text, one_or_many
from .effects import (
    Addressee,
    CreateAccount,
    Effect,
    GenerateDocument,
    Notify,
    SendMail,
)
from .invitations import register_invitation_actions
from .lms import register_lms_actions
from .recipients import Recipient, recipient_references
from .registry import ActionKind, ActionRegistry, PlanContext, Reference
from .reopen import register_reopen_actions


class SendMailParams(SpecModel):
    """A mail rendered from `mail_templates/<template>/`, queued in the firing's transaction
    and sent by the worker."""

    template: Identifier = Field(description="a folder of mail_templates/")
    to: one_or_many(Recipient) = Field(  # type: ignore[valid-type]
        description="who receives it: `applicant`, or recipients (a role, a field, a setting, "
        "an address), one or a list"
    )
    cc: one_or_many(Recipient) = Field(  # type: ignore[valid-type]
        default=(), description="who receives a copy, written like `to`"
    )
    attachments: tuple[Identifier, ...] = Field(default=(), description="ids of documents")


class GenerateDocumentParams(SpecModel):
    """A document of the workflow's `documents`, rendered and kept with the request."""

    document: Identifier = Field(description="the id of a document of the workflow")


class NotifyParams(SpecModel):
    """A notification in the backoffice, shown to the users holding the role."""

    role: Identifier = Field(description="the role whose users are notified")
    message: Text = Field(description="a one-line text; may use template variables")


class NoParams(SpecModel):
    """For kinds that take nothing: `- create_account: {}` or `- create_account:`."""


def _send_mail_references(params: SendMailParams) -> Iterator[Reference]:
    yield Reference("template", params.template, ("template",))
    yield from recipient_references(params.to, "to")
    yield from recipient_references(params.cc, "cc")
    for index, document in enumerate(params.attachments):
        yield Reference("document", document, ("attachments", index))


def _addresses(recipients: Iterable[Any], ctx: PlanContext) -> tuple[Addressee, ...]:
    found: list[Addressee] = []
    for recipient in recipients:
        found.extend(ctx.resolve(recipient))
    return tuple(found)


def _plan_send_mail(params: SendMailParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    to = _addresses(params.to, ctx)
    cc = _addresses(params.cc, ctx) if params.cc else ()
    # Documents are attached from the request's stored copy, generated once, so the operator's
    # copy of a mail carries the same bytes as the institution's.
    for document in params.attachments:
        yield GenerateDocument(f"{key}:{document}", document, ctx.layout_of(document), fresh=False)
    yield SendMail(key, params.template, to, cc, params.attachments)


def _plan_generate_document(
    params: GenerateDocumentParams, ctx: PlanContext, key: str
) -> Iterator[Effect]:
    yield GenerateDocument(key, params.document, ctx.layout_of(params.document))


def _plan_notify(params: NotifyParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    # Rendered once, when first read: the firing itself only decides.
    yield Notify(key, params.role, RenderOnce(lambda: ctx.render_text(params.message)))


class RenderOnce:
    """A text rendered when first asked for, then kept."""

    __slots__ = ("_render", "_text")

    def __init__(self, render: Callable[[], str]) -> None:
        self._render = render
        self._text: str | None = None

    def __call__(self) -> str:
        if self._text is None:
            self._text = self._render()
        return self._text


def _plan_create_account(_: NoParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    yield CreateAccount(
        key,
        email=ctx.applicant_answer("email"),
        first_name=ctx.applicant_answer("first_name"),
        last_name=ctx.applicant_answer("last_name"),
    )


def register_builtin_actions(registry: ActionRegistry) -> None:
    registry.register(
        ActionKind(
            "send_mail",
            SendMailParams,
            _plan_send_mail,
            _send_mail_references,
            "queue a mail rendered from a template, to recipients, with documents attached",
        )
    )
    registry.register(
        ActionKind(
            "generate_document",
            GenerateDocumentParams,
            _plan_generate_document,
            lambda params: [Reference("document", params.document, ("document",))],
            "render a declared document (PDF) and keep it with the request",
        )
    )
    registry.register(
        ActionKind(
            "notify",
            NotifyParams,
            _plan_notify,
            lambda params: [
                Reference("role", params.role, ("role",)),
                Reference("text_template", "message", ("message",)),
            ],
            "show a notification in the backoffice to the users holding a role",
        )
    )
    registry.register(
        ActionKind(
            "create_account",
            NoParams,
            _plan_create_account,
            lambda _: [Reference("applicant", "email", ())],
            "create the applicant's account (login) from the applicant's answers",
        )
    )


@cache
def default_registry() -> ActionRegistry:
    """The registry holding the built-in kinds; applications may register more in it."""
    registry = ActionRegistry()
    register_builtin_actions(registry)
    register_lms_actions(registry)
    register_invitation_actions(registry)
    register_reopen_actions(registry)
    return registry
