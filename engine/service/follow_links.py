"""The "my requests" link mailed to an applicant. Its address carries a random id, signed (so a
forged or altered id is refused before any query) and dated (so it expires after the workflow's
link lifetime); the email the id stands for stays in the database, out of addresses, browser
histories and access logs."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..store.models import FollowLink
from .links import LinkError, LinkProblem, LinkSigner


def _purpose(workflow_id: str) -> str:
    return f"follow-link:{workflow_id}"


def new_id() -> str:
    return secrets.token_urlsafe(18)


def token(signer: LinkSigner, workflow_id: str, link_id: str) -> str:
    """What the mailed address carries: the link's id, signed and dated for this workflow."""
    return signer.sign(_purpose(workflow_id), link_id)


def store(
    db: Session,
    link_id: str,
    workflow_id: str,
    email: str,
    now: datetime,
    lifetime: timedelta | None,
) -> None:
    """Keeps a new link, in the caller's transaction (the one that queues its mail); the
    workflow's links past their lifetime are erased meanwhile."""
    if lifetime is not None:
        db.execute(
            delete(FollowLink).where(
                FollowLink.workflow_id == workflow_id, FollowLink.created_at < now - lifetime
            )
        )
    db.add(FollowLink(id=link_id, workflow_id=workflow_id, email=email, created_at=now))


def email_of(
    db: Session, signer: LinkSigner, workflow_id: str, token: str, lifetime: timedelta | None
) -> str:
    """The address whose requests the link lists; LinkError when expired or not genuine."""
    link_id = signer.read(_purpose(workflow_id), token, lifetime)
    link = db.get(FollowLink, link_id)
    if link is None or link.workflow_id != workflow_id:
        raise LinkError(LinkProblem.INVALID)
    return link.email
