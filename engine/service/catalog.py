"""Reference list entries in the database: the wizard's choices and validation, search as the
applicant types, and entries described by applicants ("not in the list")."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.fields import ReferenceChoiceField
from ..spec.reference import ReferenceList
from ..store.models import ReferenceEntryRow, TrainingSession
from .sessions import takes_registrations
from .shared_lookups import Kind, RequestLookups

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_search(text: str) -> str:
    """Lower case, accents and punctuation removed: "Saint-Étienne" → "saint etienne"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NOT_WORD.sub(" ", bare).split())


def search_text(ref: ReferenceList, label: str, values: dict[str, Any]) -> str:
    parts = [label] + [str(values.get(f.id) or "") for f in ref.fields if f.searchable]
    return normalise_search(" ".join(parts))


_ENTRY = select(*ReferenceEntryRow.__table__.columns).where(
    ReferenceEntryRow.workflow_id == bindparam("workflow_id"),
    ReferenceEntryRow.list_id == bindparam("list_id"),
    ReferenceEntryRow.entry_id == bindparam("entry_id"),
)

_OPEN_SESSION = select(
    TrainingSession.is_open, TrainingSession.starts_at, TrainingSession.registration_closes_at
).where(
    TrainingSession.workflow_id == bindparam("workflow_id"),
    TrainingSession.code == bindparam("code"),
)


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: str
    detail: str


def sync_reference_lists(db: Session, compiled: CompiledWorkflow) -> int:
    """Adds the spec's initial entries that the database does not have yet (entries edited by
    operators are left as they are). Returns how many were added."""
    workflow_id = compiled.spec.id
    existing = {
        (list_id, entry_id)
        for list_id, entry_id in db.execute(
            select(ReferenceEntryRow.list_id, ReferenceEntryRow.entry_id).where(
                ReferenceEntryRow.workflow_id == workflow_id
            )
        )
    }
    added = 0
    for ref in compiled.spec.reference_lists:
        for position, entry in enumerate(ref.entries):
            if (ref.id, entry.id) in existing:
                continue
            label = compiled.text(entry.label)
            db.add(
                ReferenceEntryRow(
                    workflow_id=workflow_id,
                    list_id=ref.id,
                    entry_id=entry.id,
                    label=label,
                    status=entry.status or ref.default_status,
                    active=entry.active,
                    values=dict(entry.values),
                    search_text=search_text(ref, label, dict(entry.values)),
                    position=position,
                )
            )
            added += 1
    db.flush()
    return added


class DbCatalog:
    """The wizard's Catalog (engine/wizard/values.py) over the database, for one workflow.
    Meant to live for one web request: answers are looked up once each (a page validates
    every step, and each step reads the same entries again)."""

    def __init__(
        self,
        db: Session,
        compiled: CompiledWorkflow,
        shared: RequestLookups | None = None,
        *,
        now: datetime | None = None,
        closing: timedelta = timedelta(0),
        admitted: Container[str] = (),
    ) -> None:
        self.shared = shared
        # Sessions this visitor may register to although they are closed: an operator gave
        # them a late-registration link (late_registration.py).
        self.admitted = admitted
        # Whether a session takes registrations depends on the time, which no counter tracks:
        # what is kept is the session's row, the moment is compared on each call.
        self.now = now if now is not None else datetime.now(UTC)
        self.closing = closing
        self._entries: dict[tuple[str, str], bool] = {}
        self._rows: dict[tuple[str, str], Row[Any] | None] = {}
        self._sessions: dict[str, bool] = {}
        self.db = db
        self.compiled = compiled
        self.workflow_id = compiled.spec.id
        self.lists = {ref.id: ref for ref in compiled.spec.reference_lists}
        # Entries that applicants described are not offered to others until an operator
        # changes their status.
        self.hidden_statuses = {
            f.list: f.not_found.status
            for f in compiled.reference_fields().values()
            if f.not_found is not None
        }

    def _offered(self, list_id: str) -> Any:
        query = select(ReferenceEntryRow).where(
            ReferenceEntryRow.workflow_id == self.workflow_id,
            ReferenceEntryRow.list_id == list_id,
            ReferenceEntryRow.active.is_(True),
        )
        hidden = self.hidden_statuses.get(list_id)
        if hidden is not None:
            query = query.where(
                (ReferenceEntryRow.status.is_(None)) | (ReferenceEntryRow.status != hidden)
            )
        return query

    # -- the Catalog protocol -----------------------------------------------------------------

    def has_entry(self, list_id: str, entry_id: str) -> bool:
        key = (list_id, entry_id)
        found = self._entries.get(key)
        if found is None:
            row = self.row(list_id, entry_id)
            hidden = self.hidden_statuses.get(list_id)
            found = row is not None and row.active and (hidden is None or row.status != hidden)
            self._entries[key] = found
        return found

    def has_open_session(self, code: str) -> bool:
        found = self._sessions.get(code)
        if found is None:
            params = {"workflow_id": self.workflow_id, "code": code}

            def load() -> Row[Any] | None:
                return self.db.execute(_OPEN_SESSION, params).first()

            key = ("open", self.workflow_id, code)
            record = load() if self.shared is None else self.shared.get(Kind.SESSIONS, key, load)
            found = self._sessions[code] = record is not None and (
                code in self.admitted or takes_registrations(record, self.now, self.closing)
            )
        return found

    # -- choices ------------------------------------------------------------------------------

    def _choice(self, row: ReferenceEntryRow | Row[Any], detail_fields: Iterable[str]) -> Choice:
        detail = " ".join(str(row.values.get(name) or "") for name in detail_fields).strip()
        return Choice(row.entry_id, row.label, detail)

    def choices(self, field: ReferenceChoiceField) -> list[Choice]:
        query = self._offered(field.list).order_by(
            ReferenceEntryRow.position, ReferenceEntryRow.label
        )
        return [self._choice(row, field.search_fields) for row in self.db.execute(query).scalars()]

    def search(self, field: ReferenceChoiceField, text: str, limit: int = 20) -> list[Choice]:
        words = normalise_search(text).split()[:6]
        if not words:
            return []
        query = self._offered(field.list)
        for word in words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(ReferenceEntryRow.search_text.like(f"%{escaped}%", escape="\\"))
        query = query.order_by(ReferenceEntryRow.label).limit(limit)
        return [self._choice(row, field.search_fields) for row in self.db.execute(query).scalars()]

    def choice(self, field: ReferenceChoiceField, entry_id: str) -> Choice | None:
        row = self.row(field.list, entry_id)
        return None if row is None else self._choice(row, field.search_fields)

    # -- entries for conditions, mails and documents ------------------------------------------

    def row(self, list_id: str, entry_id: str) -> Row[Any] | None:
        """The entry as a read-only row (attributes of ReferenceEntryRow)."""
        key = (list_id, entry_id)
        if key not in self._rows:
            params = {"workflow_id": self.workflow_id, "list_id": list_id, "entry_id": entry_id}

            def load() -> Row[Any] | None:
                return self.db.execute(_ENTRY, params).first()

            shared_key = (self.workflow_id, list_id, entry_id)
            self._rows[key] = (
                load() if self.shared is None else self.shared.get(Kind.ENTRIES, shared_key, load)
            )
        return self._rows[key]

    def entry_view(self, list_id: str, entry_id: str, *, is_new: bool = False) -> dict[str, Any]:
        row = self.row(list_id, entry_id)
        if row is None:
            return {"id": entry_id, "label": entry_id, "status": None, "status_label": None}
        ref = self.lists.get(list_id)
        labels = {s.id: self.compiled.text(s.label) for s in ref.statuses} if ref else {}
        return {
            **row.values,
            "id": row.entry_id,
            "label": row.label,
            "status": row.status,
            "status_label": labels.get(row.status or ""),
            "is_new": is_new,
        }

    def add_described_entry(
        self, field: ReferenceChoiceField, answers: dict[str, Any]
    ) -> ReferenceEntryRow:
        """Saves what an applicant described when their entry was not in the list, with the
        status the field declares ("non référencé")."""
        ref = self.lists[field.list]
        label = str(answers.get("label") or "").strip() or "?"
        values = {f.id: answers[f.id] for f in ref.fields if f.id in answers}
        entry_id = f"new-{secrets.token_hex(6)}"
        position = self.db.execute(
            select(func.coalesce(func.max(ReferenceEntryRow.position), 0)).where(
                ReferenceEntryRow.workflow_id == self.workflow_id,
                ReferenceEntryRow.list_id == field.list,
            )
        ).scalar_one()
        row = ReferenceEntryRow(
            workflow_id=self.workflow_id,
            list_id=field.list,
            entry_id=entry_id,
            label=label,
            status=field.not_found.status if field.not_found else ref.default_status,
            active=True,
            values=values,
            search_text=search_text(ref, label, values),
            position=int(position) + 1,
        )
        self.db.add(row)
        self.db.flush()
        return row
