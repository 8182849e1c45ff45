"""Invitations between workflows (the `invite` action): the draft a request's firing makes in
another workflow, with its given answers, and the link its mail carries.

The invited draft's public id is derived from the inviting request's and the invited
workflow (keyed by the instance's secret, so it cannot be guessed from a link): a second
invitation of the same request finds the same draft, and two at once meet on the column's
unique index instead of making two. The link is the wizard's resume link, with a secret made
for this mail; opening it changes nothing, and once the draft is sent it says so."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actions.effects import Invite
from ..compiled import CompiledWorkflow
from ..store.models import RequestRow
from .context import Runtime


class UnknownInvitedWorkflow(Exception):
    """The invited workflow is not loaded (the checker reports it before anything runs)."""


@dataclass(frozen=True, slots=True)
class PreparedInvitation:
    """The invited draft to write in the firing's transaction, and the link its mail gives."""

    public_id: str
    secret_hash: str
    url: str
    compiled: CompiledWorkflow = field(repr=False)
    answers: dict[str, Any]
    locale: str

    def mail_context(self) -> dict[str, str]:
        return {"url": self.url, "title": self.compiled.text(self.compiled.spec.title)}


def invited_public_id(secret: str, inviting_public_id: str, workflow_id: str) -> str:
    digest = hmac.new(
        secret.encode(), f"invite:{inviting_public_id}:{workflow_id}".encode(), hashlib.sha256
    ).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def prepare_invitation(
    runtime: Runtime, invite: Invite, inviting: RequestRow
) -> PreparedInvitation:
    """Decides the invited draft and its link; reads nothing, writes nothing."""
    compiled = runtime.registry.get(invite.workflow)
    if compiled is None:
        raise UnknownInvitedWorkflow(invite.workflow)
    public_id = invited_public_id(runtime.signer.secret, inviting.public_id, invite.workflow)
    secret = secrets.token_urlsafe(24)
    token = f"{public_id}.{secret}"
    locale = inviting.locale if inviting.locale in compiled.spec.locales else compiled.spec.locale
    return PreparedInvitation(
        public_id=public_id,
        secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        url=runtime.draft_url(compiled.spec.wizard.path, token),
        compiled=compiled,
        answers=dict(invite.answers),
        locale=locale,
    )


def write_invitation(
    db: Session, runtime: Runtime, invitation: PreparedInvitation, now: datetime
) -> RequestRow:
    """In the firing's transaction: the invited draft, made, or reached again by the new
    link while it is a draft (its answers kept); a draft already sent is left as it is."""
    compiled = invitation.compiled
    row = db.execute(
        select(RequestRow).where(RequestRow.public_id == invitation.public_id)
    ).scalar_one_or_none()
    if row is not None:
        if row.submitted_at is None and row.state == compiled.spec.process.initial:
            row.draft_secret_hash = invitation.secret_hash
        return row
    runtime.registry.remember(db, compiled)
    row = RequestRow(
        public_id=invitation.public_id,
        workflow_id=compiled.spec.id,
        spec_hash=compiled.content_hash,
        state=compiled.spec.process.initial,
        state_entered_at=now,
        session_code=None,
        answers=dict(invitation.answers),
        current_step=compiled.wizard.steps[0].id,
        locale=invitation.locale,
        draft_secret_hash=invitation.secret_hash,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.flush()
    return row
