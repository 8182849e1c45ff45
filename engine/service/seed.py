"""Loading data files (`demo/*.yaml`): training sessions, extra reference entries and
backoffice users, for a demonstration or a first installation. Loading twice updates in place."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import Account, ReferenceEntryRow, TrainingSession
from .accounts import find_account, hash_password
from .catalog import search_text
from .logins import set_password_hash
from .sessions import find_session
from .workflows import WorkflowRegistry


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A moment counted from the day the file is loaded, so that demonstration data stays current:
# "+31d 11:00" is 11:00 (local time) 31 days after the load day, "-3d 09:30" three days before.
_RELATIVE = re.compile(r"^([+-]\d{1,4})d (\d{1,2}):(\d{2})$")
Moment = datetime | Annotated[str, Field(pattern=_RELATIVE.pattern)]


def resolve_moment(value: datetime | str, today: date, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    found = _RELATIVE.match(value)
    assert found is not None  # the field's pattern
    days, hours, minutes = (int(part) for part in found.groups())
    day = today + timedelta(days=days)
    return datetime.combine(day, time(hours, minutes), tzinfo=zone)


class SessionData(_Model):
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    title: str = Field(min_length=1, max_length=300)
    starts_at: Moment
    ends_at: Moment
    registration_closes_at: Moment | None = None
    place: str = ""
    capacity: int = Field(ge=0)
    is_open: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> SessionData:
        # Both absolute or both relative: compared on any day (naive or aware alike).
        if isinstance(self.starts_at, str) == isinstance(self.ends_at, str):
            zone, today = ZoneInfo("UTC"), date(2000, 1, 1)
            starts = resolve_moment(self.starts_at, today, zone)
            if resolve_moment(self.ends_at, today, zone) < starts:
                raise ValueError("ends_at is before starts_at")
        return self


class UserData(_Model):
    email: str = Field(min_length=3, max_length=320)
    first_name: str = ""
    last_name: str = ""
    roles: tuple[str, ...] = ()


class EntryData(_Model):
    model_config = ConfigDict(extra="allow", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    label: str
    status: str | None = None


class SeedFile(_Model):
    workflow: str
    sessions: tuple[SessionData, ...] = ()
    users: tuple[UserData, ...] = ()
    entries: dict[str, tuple[EntryData, ...]] = {}


class SeedError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str
    password: str
    roles: tuple[str, ...]


def read_seed(path: Path) -> SeedFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SeedFile.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise SeedError(f"{path}: {error}") from error


def load_seed(
    db: Session,
    registry: WorkflowRegistry,
    seed: SeedFile,
    zone: ZoneInfo,
    today: date | None = None,
) -> list[Credentials]:
    """Returns the users' new passwords (each load sets new ones and prints them once).
    Relative moments count from `today` (the load day in `zone` when not given)."""
    today = today if today is not None else datetime.now(zone).date()
    compiled = registry.get(seed.workflow)
    if compiled is None:
        raise SeedError(f"unknown workflow '{seed.workflow}'")
    for session in seed.sessions:
        _upsert_session(db, compiled, session, zone, today)
    for list_id, entries in seed.entries.items():
        _upsert_entries(db, compiled, list_id, entries)
    roles = {r.id for r in compiled.spec.roles}
    credentials = []
    for user in seed.users:
        unknown = set(user.roles) - roles
        if unknown:
            raise SeedError(f"user {user.email}: unknown roles {sorted(unknown)}")
        credentials.append(_upsert_user(db, user))
    db.flush()
    return credentials


def _upsert_session(
    db: Session, compiled: CompiledWorkflow, data: SessionData, zone: ZoneInfo, today: date
) -> None:
    row = find_session(db, compiled.spec.id, data.code)
    if row is None:
        row = TrainingSession(workflow_id=compiled.spec.id, code=data.code)
        db.add(row)
    row.title = data.title
    row.starts_at = resolve_moment(data.starts_at, today, zone)
    row.ends_at = resolve_moment(data.ends_at, today, zone)
    row.registration_closes_at = (
        None
        if data.registration_closes_at is None
        else resolve_moment(data.registration_closes_at, today, zone)
    )
    row.place = data.place
    row.capacity = data.capacity
    row.is_open = data.is_open


def _upsert_entries(
    db: Session, compiled: CompiledWorkflow, list_id: str, entries: tuple[EntryData, ...]
) -> None:
    lists = {ref.id: ref for ref in compiled.spec.reference_lists}
    ref = lists.get(list_id)
    if ref is None:
        raise SeedError(f"unknown reference list '{list_id}'")
    columns = {f.id for f in ref.fields}
    for position, entry in enumerate(entries, start=1000):
        values: dict[str, Any] = dict(entry.model_extra or {})
        unknown = set(values) - columns
        if unknown:
            raise SeedError(f"{list_id}/{entry.id}: unknown columns {sorted(unknown)}")
        row = db.execute(
            select(ReferenceEntryRow).where(
                ReferenceEntryRow.workflow_id == compiled.spec.id,
                ReferenceEntryRow.list_id == list_id,
                ReferenceEntryRow.entry_id == entry.id,
            )
        ).scalar_one_or_none()
        if row is None:
            row = ReferenceEntryRow(
                workflow_id=compiled.spec.id, list_id=list_id, entry_id=entry.id, position=position
            )
            db.add(row)
        row.label = entry.label
        row.status = entry.status or ref.default_status
        row.values = values
        row.active = True
        row.search_text = search_text(ref, entry.label, values)


def _upsert_user(db: Session, data: UserData) -> Credentials:
    account = find_account(db, data.email)
    if account is None:
        account = Account(email=data.email, profile={})
        db.add(account)
    account.first_name = data.first_name
    account.last_name = data.last_name
    account.roles = list(data.roles)
    account.active = True
    password = secrets.token_urlsafe(12)
    set_password_hash(account, hash_password(password), datetime.now(UTC))
    return Credentials(data.email, password, data.roles)
