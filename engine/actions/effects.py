"""Typed effects: what firing a transition asks the outside world to do.

The engine only plans them; the store writes them to the outbox in the same transaction as the
state change, and workers carry them out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Addressee:
    """A resolved address, or a role whose members the delivery layer looks up."""

    email: str | None = None
    role: str | None = None

    def __str__(self) -> str:
        return self.email if self.email is not None else f"role:{self.role}"


@dataclass(frozen=True, slots=True)
class Effect:
    """Base of every effect; `key` is unique within one firing so a replay can be detected."""

    key: str


@dataclass(frozen=True, slots=True)
class SendMail(Effect):
    template: str
    to: tuple[Addressee, ...]
    cc: tuple[Addressee, ...] = ()
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GenerateDocument(Effect):
    """`fresh`: make it anew (a `generate_document` action); otherwise a mail's attachment,
    which reuses the request's stored copy when there is one (a reminder sends the very form
    the institution received)."""

    document: str
    layout: str
    fresh: bool = True


@dataclass(frozen=True, slots=True)
class Notify(Effect):
    """`message` is rendered when first read (when the firing's effects are prepared for
    writing), not while the transition is fired: deciding a firing renders nothing."""

    role: str
    render_message: Callable[[], str] = field(repr=False, compare=False)

    @property
    def message(self) -> str:
        return self.render_message()


@dataclass(frozen=True, slots=True)
class CreateAccount(Effect):
    email: str | None
    first_name: str | None
    last_name: str | None


@dataclass(frozen=True, slots=True)
class CallOut(Effect):
    """A call to another system, made by a worker after the firing's transaction commits.

    `kind` names the performer that carries it out (registered by the application: an LMS
    connector, webhooks...), `operation` what it does there, `target` which connection or hook
    of the workflow it goes to. `payload` is JSON-able and never holds a secret: credentials
    stay with the performer, which reads them from the product's settings."""

    kind: str
    operation: str
    target: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Invite(Effect):
    """A draft made (or made again reachable) in another workflow, its given answers filled
    in, and a mail to the recipients with the link that opens it (`invitation.url`)."""

    workflow: str
    answers: Mapping[str, str]
    template: str
    to: tuple[Addressee, ...]


@dataclass(frozen=True, slots=True)
class Reopen(Effect):
    """Steps of the wizard sent back to the applicant, who corrects them through a mailed link
    and fires `resubmit` with the corrected answers."""

    steps: tuple[str, ...]
    resubmit: str
