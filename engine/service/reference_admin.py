"""Operators' maintenance of the spec's reference lists: reading an entry's values as typed in
the backoffice or a CSV file (messages in French, at the field), creating and editing entries,
counting the requests that use an entry, referencing an entry an applicant described, and
merging one entry into another (the requests follow)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.reference import ListField, ReferenceList
from ..store.models import ReferenceEntryRow, RequestRow
from ..translations import Message
from ..wizard.values import POSTAL_CODE_FR, clean_text, normalise_email
from .catalog import search_text
from .request_columns import fill_queue_columns
from .transaction import writing

LABEL_MAX = 300
TEXT_MAX = 300
# Ids written in a file may also contain hyphens (entries described by applicants have some).
ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_YES = {"oui", "o", "yes", "y", "true", "vrai", "1", "on", "x"}
_NO = {"non", "n", "no", "false", "faux", "0", "off", ""}

REQUIRED = Message("This field is required.")


def find_list(compiled: CompiledWorkflow, list_id: str) -> ReferenceList | None:
    return next((ref for ref in compiled.spec.reference_lists if ref.id == list_id), None)


def applicant_status(compiled: CompiledWorkflow, list_id: str) -> str | None:
    """The status of the entries applicants describe in this list (None: they cannot)."""
    for item in compiled.reference_fields().values():
        if item.list == list_id and item.not_found is not None:
            return item.not_found.status
    return None


def status_labels(compiled: CompiledWorkflow, ref: ReferenceList) -> dict[str, str]:
    return {s.id: compiled.text(s.label) for s in ref.statuses}


def slug(label: str) -> str:
    """An identifier made from a label: "Ville d'Été" → "ville_d_ete"."""
    decomposed = unicodedata.normalize("NFKD", label)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9]+", "_", bare).strip("_")[:56].strip("_")
    if not text or not text[0].isalpha():
        text = f"e_{text}".strip("_")
    return text


def entry(db: Session, workflow_id: str, list_id: str, entry_id: str) -> ReferenceEntryRow | None:
    return db.execute(
        select(ReferenceEntryRow).where(
            ReferenceEntryRow.workflow_id == workflow_id,
            ReferenceEntryRow.list_id == list_id,
            ReferenceEntryRow.entry_id == entry_id,
        )
    ).scalar_one_or_none()


def entry_ids(db: Session, workflow_id: str, list_id: str) -> set[str]:
    return set(
        db.execute(
            select(ReferenceEntryRow.entry_id).where(
                ReferenceEntryRow.workflow_id == workflow_id,
                ReferenceEntryRow.list_id == list_id,
            )
        ).scalars()
    )


def unique_id(label: str, taken: set[str]) -> str:
    base = slug(label)
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}_{number}"
        number += 1
    return candidate


# -- reading values -----------------------------------------------------------------------------


@dataclass
class Lookup:
    """The entries of the lists that `reference` fields point at: id → label, and label → id
    (a file may name an entry by its label)."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Session, compiled: CompiledWorkflow, ref: ReferenceList) -> Lookup:
        lookup = cls()
        for column in ref.fields:
            if column.type == "reference" and column.list and column.list not in lookup.labels:
                rows = db.execute(
                    select(ReferenceEntryRow.entry_id, ReferenceEntryRow.label).where(
                        ReferenceEntryRow.workflow_id == compiled.spec.id,
                        ReferenceEntryRow.list_id == column.list,
                    )
                )
                lookup.labels[column.list] = {entry_id: label for entry_id, label in rows}
        return lookup

    def find(self, list_id: str, text: str) -> str | None:
        entries = self.labels.get(list_id, {})
        if text in entries:
            return text
        lowered = text.casefold()
        return next((k for k, label in entries.items() if label.casefold() == lowered), None)


def read_boolean(raw: str) -> bool | None:
    lowered = raw.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    return None


def read_value(column: ListField, raw: str, lookup: Lookup, list_name: str = "") -> tuple[Any, str]:
    """(value, error as a `Message`); the value is None when the field is left empty."""
    text = clean_text(raw, multiline=False)
    if column.type == "boolean":
        value = read_boolean(text)
        return (value, "") if value is not None else (None, Message("Answer yes or no."))
    if not text:
        return None, REQUIRED if column.required else ""
    if column.type == "text":
        if len(text) > TEXT_MAX:
            return None, Message("{max} characters at most ({n} typed).", max=TEXT_MAX, n=len(text))
        return text, ""
    if column.type == "email":
        address = normalise_email(text) if len(text) <= 254 else None
        return (address, "") if address else (None, Message("Invalid email address."))
    if column.type == "postal_code":
        compact = re.sub(r"\s", "", text)
        if not POSTAL_CODE_FR.fullmatch(compact):
            return None, Message("Invalid postal code: 5 digits expected (for example 69001).")
        return compact, ""
    if column.type == "phone":
        try:
            number = phonenumbers.parse(text[:40], "FR")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            return None, Message("Invalid phone number.")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""
    if column.type == "integer":
        compact = text.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
        if not re.fullmatch(r"[+-]?\d{1,15}", compact):
            return None, Message("Whole number expected.")
        return int(compact), ""
    if column.type == "reference":
        found = lookup.find(column.list or "", text)
        if found is None:
            if list_name:
                return None, Message(
                    "Unknown value in the list “{list}”: “{text}”.", list=list_name, text=text
                )
            return None, Message("Unknown value in the list: “{text}”.", text=text)
        return found, ""
    return text, ""


@dataclass
class EntryInput:
    """An entry as read from a form or a file line: what is valid, and the errors by field
    (`label` for the label, the field id for the others)."""

    label: str
    values: dict[str, Any]
    errors: dict[str, str]


def read_entry(
    compiled: CompiledWorkflow, ref: ReferenceList, raw: Mapping[str, str], lookup: Lookup
) -> EntryInput:
    label = clean_text(raw.get("label", ""), multiline=False)
    errors: dict[str, str] = {}
    if not label:
        errors["label"] = Message("The label is required.")
    elif len(label) > LABEL_MAX:
        errors["label"] = Message(
            "The label has {n} characters: {max} at most.", n=len(label), max=LABEL_MAX
        )
    lists = {r.id: compiled.text(r.label) for r in compiled.spec.reference_lists}
    values: dict[str, Any] = {}
    for column in ref.fields:
        value, problem = read_value(
            column, raw.get(column.id, ""), lookup, lists.get(column.list or "", "")
        )
        if problem:
            errors[column.id] = problem
        elif value is not None:
            values[column.id] = value
    return EntryInput(label, values, errors)


# -- writing --------------------------------------------------------------------------------------


def next_position(db: Session, workflow_id: str, list_id: str) -> int:
    found = db.execute(
        select(func.coalesce(func.max(ReferenceEntryRow.position), 0)).where(
            ReferenceEntryRow.workflow_id == workflow_id,
            ReferenceEntryRow.list_id == list_id,
        )
    ).scalar_one()
    return int(found) + 1


def create_entry(
    db: Session,
    compiled: CompiledWorkflow,
    ref: ReferenceList,
    data: EntryInput,
    *,
    entry_id: str | None = None,
    status: str | None = None,
    active: bool = True,
) -> ReferenceEntryRow:
    workflow_id = compiled.spec.id
    if entry_id is None:
        entry_id = unique_id(data.label, entry_ids(db, workflow_id, ref.id))
    row = ReferenceEntryRow(
        workflow_id=workflow_id,
        list_id=ref.id,
        entry_id=entry_id,
        label=data.label,
        status=status or ref.default_status,
        active=active,
        values=dict(data.values),
        search_text=search_text(ref, data.label, data.values),
        position=next_position(db, workflow_id, ref.id),
    )
    db.add(row)
    db.flush()
    return row


def update_entry(row: ReferenceEntryRow, ref: ReferenceList, data: EntryInput) -> None:
    row.label = data.label
    row.values = dict(data.values)
    row.search_text = search_text(ref, data.label, data.values)


# -- use by requests and by other lists ---------------------------------------------------------


def choice_fields(compiled: CompiledWorkflow, list_id: str) -> list[str]:
    """The ids of the wizard fields whose answer is an entry of this list."""
    return [fid for fid, item in compiled.reference_fields().items() if item.list == list_id]


def usage_by_requests(db: Session, compiled: CompiledWorkflow, list_id: str) -> dict[str, int]:
    """entry id → how many requests (drafts included) answer it."""
    counts: dict[str, int] = {}
    for field_id in choice_fields(compiled, list_id):
        answer = RequestRow.answers[field_id].as_string()
        rows = db.execute(
            select(answer, func.count(RequestRow.id))
            .where(RequestRow.workflow_id == compiled.spec.id, answer.is_not(None))
            .group_by(answer)
        )
        for entry_id, count in rows:
            counts[str(entry_id)] = counts.get(str(entry_id), 0) + int(count)
    return counts


def referring_columns(compiled: CompiledWorkflow, list_id: str) -> list[tuple[str, str]]:
    """(list id, field id) of the list fields of type `reference` pointing at this list."""
    return [
        (ref.id, column.id)
        for ref in compiled.spec.reference_lists
        for column in ref.fields
        if column.type == "reference" and column.list == list_id
    ]


def usage_by_entries(db: Session, compiled: CompiledWorkflow, list_id: str, entry_id: str) -> int:
    count = 0
    for other_list, column in referring_columns(compiled, list_id):
        rows = db.execute(
            select(ReferenceEntryRow.values).where(
                ReferenceEntryRow.workflow_id == compiled.spec.id,
                ReferenceEntryRow.list_id == other_list,
            )
        ).scalars()
        count += sum(1 for values in rows if (values or {}).get(column) == entry_id)
    return count


def requests_using(
    db: Session, compiled: CompiledWorkflow, list_id: str, entry_id: str
) -> list[tuple[RequestRow, str]]:
    """The requests answering this entry, with the field that holds it."""
    found: list[tuple[RequestRow, str]] = []
    for field_id in choice_fields(compiled, list_id):
        rows = db.execute(
            select(RequestRow).where(
                RequestRow.workflow_id == compiled.spec.id,
                RequestRow.answers[field_id].as_string() == entry_id,
            )
        ).scalars()
        found.extend((row, field_id) for row in rows)
    return found


class EntryInUse(Exception):
    """Deleting an entry that requests or other entries point at."""


def delete_entry(db: Session, compiled: CompiledWorkflow, row: ReferenceEntryRow) -> None:
    used = usage_by_requests(db, compiled, row.list_id).get(row.entry_id, 0)
    others = usage_by_entries(db, compiled, row.list_id, row.entry_id)
    if used or others:
        if used and others:
            users = Message(
                "{used} request(s) and {others} entry(ies) of other lists", used=used, others=others
            )
        elif used:
            users = Message("{used} request(s)", used=used)
        else:
            users = Message("{others} entry(ies) of other lists", others=others)
        raise EntryInUse(users)
    db.delete(row)
    db.flush()


def mark_referenced(row: ReferenceEntryRow, ref: ReferenceList) -> None:
    row.status = ref.default_status


def merge_entry(
    db: Session,
    compiled: CompiledWorkflow,
    source: ReferenceEntryRow,
    target: ReferenceEntryRow,
    *,
    delete: bool = False,
) -> int:
    """Points every request (and every entry of another list) answering `source` at `target`,
    then deactivates `source` (or deletes it). Returns how many requests followed."""
    if source.list_id != target.list_id or source.entry_id == target.entry_id:
        raise ValueError("merge within one list, into another entry")
    moved = 0
    for request, field_id in requests_using(db, compiled, source.list_id, source.entry_id):
        request.answers = {**request.answers, field_id: target.entry_id}
        if request.submitted_at is not None:
            # The queue filters on the entries chosen: keep its columns in step.
            fill_queue_columns(request, compiled)
        moved += 1
    for other_list, column in referring_columns(compiled, source.list_id):
        rows = db.execute(
            select(ReferenceEntryRow).where(
                ReferenceEntryRow.workflow_id == compiled.spec.id,
                ReferenceEntryRow.list_id == other_list,
            )
        ).scalars()
        for other in rows:
            if (other.values or {}).get(column) == source.entry_id:
                other.values = {**other.values, column: target.entry_id}
    db.flush()
    if delete:
        db.delete(source)
    else:
        source.active = False
    db.flush()
    return moved


# -- use cases: each writes in a short transaction of its own --------------------------------


def add_entry(
    db: Session, compiled: CompiledWorkflow, ref: ReferenceList, data: EntryInput
) -> ReferenceEntryRow:
    with writing(db):
        return create_entry(db, compiled, ref, data)


def save_entry(
    db: Session,
    row: ReferenceEntryRow,
    ref: ReferenceList,
    data: EntryInput,
    status: str | None,
) -> None:
    with writing(db):
        update_entry(row, ref, data)
        if status:
            row.status = status


def set_entry_active(db: Session, row: ReferenceEntryRow, active: bool) -> None:
    with writing(db):
        row.active = active


def reference_entry(db: Session, row: ReferenceEntryRow, ref: ReferenceList) -> None:
    with writing(db):
        mark_referenced(row, ref)


def remove_entry(db: Session, compiled: CompiledWorkflow, row: ReferenceEntryRow) -> None:
    """Raises EntryInUse (nothing changed) while requests or other entries use it."""
    with writing(db):
        delete_entry(db, compiled, row)


def merge_entries(
    db: Session,
    compiled: CompiledWorkflow,
    source: ReferenceEntryRow,
    target: ReferenceEntryRow,
    *,
    delete: bool,
) -> int:
    with writing(db):
        return merge_entry(db, compiled, source, target, delete=delete)
