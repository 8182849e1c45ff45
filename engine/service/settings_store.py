"""Settings operators change (test mode, contact address, delays): the spec declares them and
their defaults; the database keeps the values that differ."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.workflow import Setting
from ..spec_types import parse_duration
from ..store.models import SettingChange, WorkflowSetting
from ..store.reads import overrides
from ..wizard.values import normalise_email
from .transaction import writing


class SettingError(ValueError):
    """A value that does not fit the setting's type; the message says what is expected."""


def effective(db: Session, compiled: CompiledWorkflow) -> dict[str, Any]:
    return compiled.settings_with(overrides(db, compiled.spec.id))


def parse_value(setting: Setting, raw: str) -> Any:
    text = raw.strip()
    if setting.type == "boolean":
        lowered = text.lower()
        if lowered in {"true", "yes", "oui", "on", "1"}:
            return True
        if lowered in {"false", "no", "non", "off", "0"}:
            return False
        raise SettingError(f"{setting.id}: expected true or false, got {raw!r}")
    if setting.type == "integer":
        try:
            return int(text)
        except ValueError as error:
            raise SettingError(f"{setting.id}: expected a whole number, got {raw!r}") from error
    if setting.type == "duration":
        if parse_duration(text) is None:
            raise SettingError(f"{setting.id}: expected a duration such as 7d, 48h or 30min")
        return text
    if setting.type == "email":
        address = normalise_email(text)
        if address is None:
            raise SettingError(f"{setting.id}: expected an email address, got {raw!r}")
        return address
    return text


def set_value(
    db: Session, compiled: CompiledWorkflow, key: str, raw: str, *, author: str = ""
) -> Any:
    """Changes one setting in the caller's transaction, and records the change (who, when,
    from what) when the value differs."""
    setting = next((s for s in compiled.spec.settings if s.id == key), None)
    if setting is None:
        known = ", ".join(s.id for s in compiled.spec.settings)
        raise SettingError(f"unknown setting '{key}' (known: {known})")
    value = parse_value(setting, raw)
    row = db.get(WorkflowSetting, (compiled.spec.id, key))
    previous = None if row is None else row.value
    if row is None:
        db.add(WorkflowSetting(workflow_id=compiled.spec.id, key=key, value=value))
    else:
        row.value = value
    if row is None or previous != value:
        db.add(
            SettingChange(
                workflow_id=compiled.spec.id,
                key=key,
                previous=previous,
                value=value,
                author=author,
                spec_hash=compiled.content_hash,
            )
        )
    db.flush()
    return value


def save_values(
    db: Session, compiled: CompiledWorkflow, raw: dict[str, str], *, author: str = ""
) -> None:
    """Writes several settings at once, in a transaction of its own (the values were checked
    with `parse_value`; SettingError otherwise, and nothing is written)."""
    with writing(db):
        for key, value in raw.items():
            set_value(db, compiled, key, value, author=author)


def setting_changes(db: Session, workflow_id: str, limit: int = 50) -> list[SettingChange]:
    """The latest changes of the workflow's settings, newest first."""
    return list(
        db.scalars(
            select(SettingChange)
            .where(SettingChange.workflow_id == workflow_id)
            .order_by(SettingChange.at.desc(), SettingChange.id.desc())
            .limit(limit)
        )
    )
