"""Reads of the tables that both the services and the delivery worker need: the settings an
operator changed, and who holds a role. Kept here, below both, so that neither imports the
other for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Account, WorkflowSetting


def overrides(db: Session, workflow_id: str) -> dict[str, Any]:
    """The settings of a workflow that differ from the spec's defaults."""
    rows = db.execute(select(WorkflowSetting).where(WorkflowSetting.workflow_id == workflow_id))
    return {row.key: row.value for row in rows.scalars()}


def role_members(db: Session, role: str) -> list[str]:
    """Addresses of the active users holding a role (backoffice users are few: filtering in
    Python keeps this identical on every database)."""
    accounts = db.execute(select(Account).where(Account.active.is_(True))).scalars()
    return sorted(a.email for a in accounts if role in (a.roles or []))
