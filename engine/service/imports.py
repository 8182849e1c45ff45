"""CSV export and import of reference list entries and of training sessions.

Files are written in UTF-8 with a byte order mark (spreadsheets then read accents right) and
`;` between columns (what French spreadsheets expect); a file read back may use `;` or `,`.
Importing is planned first (what would be created, updated, and every rejected line with its
number and the reason, in French), then applied in one transaction."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.reference import ReferenceList
from ..store.models import ReferenceEntryRow, TrainingSession
from ..translations import Message, translate
from ..wizard.values import clean_text
from .catalog import normalise_search
from .reference_admin import (
    ENTRY_ID,
    EntryInput,
    Lookup,
    create_entry,
    read_boolean,
    read_entry,
    status_labels,
    unique_id,
    update_entry,
)
from .sessions import change_session
from .transaction import writing

DELIMITER = ";"
BOM = "\ufeff"
MAX_BYTES = 2_000_000
MAX_LINES = 10_000
DATE_FORMAT = "%d/%m/%Y %H:%M"
SESSION_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# `lms_course`: the learning platform's course (idnumber or shortname); a file without the
# column leaves every session's course as it is, a blank cell removes it.
SESSION_COLUMNS = (
    "code",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "capacity",
    "is_open",
    "lms_course",
)


class ImportProblem(Exception):
    """The whole file is unusable (not text, no label column...); the message says why."""


# -- writing and reading files ------------------------------------------------------------------


def write_csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return BOM + buffer.getvalue()


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportProblem(Message("The file exceeds {n} MB.", n=MAX_BYTES // 1_000_000))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportProblem(Message("The file is not a text file (CSV).")) from error
    return text


def _records(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header (lower-cased) and the lines with their numbers in the file (header = 1)."""
    text = text.removeprefix(BOM)
    if not text.strip():
        raise ImportProblem(Message("The file is empty."))
    if "\x00" in text:
        raise ImportProblem(Message("The file is not a text file (CSV)."))
    first = text.splitlines()[0]
    delimiter = "," if first.count(",") > first.count(";") else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [clean_text(name, multiline=False).lower() for name in next(reader)]
    except csv.Error as error:
        raise ImportProblem(
            Message("Line {n} cannot be read: {error}.", n=1, error=error)
        ) from error

    def lines() -> Iterator[tuple[int, list[str]]]:
        number = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise ImportProblem(
                    Message("Line {n} cannot be read: {error}.", n=reader.line_num, error=error)
                ) from error
            start, number = number + 1, reader.line_num
            yield start, cells

    return header, lines()


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class Planned:
    line: int
    action: Literal["create", "update"]
    key: str
    label: str
    data: Any


@dataclass
class ImportPlan:
    read: int = 0
    planned: list[Planned] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    locale: str = "fr"  # the language the rejected lines' reasons are written in

    @property
    def creates(self) -> list[Planned]:
        return [p for p in self.planned if p.action == "create"]

    @property
    def updates(self) -> list[Planned]:
        return [p for p in self.planned if p.action == "update"]

    @property
    def valid(self) -> int:
        return len(self.planned)


def _data_lines(
    lines: Iterator[tuple[int, list[str]]], columns: list[str], plan: ImportPlan
) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's non-empty lines as cells by column: counted, at most MAX_LINES, those that
    cannot be read recorded as rejected."""
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue
        plan.read += 1
        if plan.read > MAX_LINES:
            raise ImportProblem(Message("The file exceeds {n} lines.", n=MAX_LINES))
        raw = _cells(columns, cells)
        if isinstance(raw, str):
            plan.rejected.append(Rejected(line, translate(plan.locale, raw)))
            continue
        yield line, raw


def _columns(header: list[str], known: dict[str, str], required: Iterable[str]) -> list[str]:
    """The column ids of the header (a column may be named by its id or its label)."""
    columns: list[str] = []
    for name in header:
        found = known.get(name) or known.get(normalise_search(name))
        if found is None:
            expected = ", ".join(dict.fromkeys(known.values()))
            raise ImportProblem(
                Message(
                    "Unknown column: “{name}”. Possible columns: {expected}.",
                    name=name,
                    expected=expected,
                )
            )
        if found in columns:
            raise ImportProblem(Message("The column “{name}” appears twice.", name=name))
        columns.append(found)
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportProblem(Message("Required column missing: “{name}”.", name=missing[0]))
    return columns


def _cells(columns: list[str], cells: list[str]) -> dict[str, str] | str:
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        return Message("{n} columns instead of {expected}.", n=len(cells), expected=len(columns))
    padded = cells + [""] * (len(columns) - len(cells))
    return dict(zip(columns, padded, strict=False))


# -- reference lists ----------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("oui" if value else "non")


def list_columns(ref: ReferenceList) -> list[str]:
    return ["id", "label", *(column.id for column in ref.fields), "status", "active"]


def export_list(db: Session, compiled: CompiledWorkflow, ref: ReferenceList) -> str:
    rows = db.execute(
        select(ReferenceEntryRow)
        .where(
            ReferenceEntryRow.workflow_id == compiled.spec.id,
            ReferenceEntryRow.list_id == ref.id,
        )
        .order_by(ReferenceEntryRow.position, ReferenceEntryRow.label)
    ).scalars()

    def cells(row: ReferenceEntryRow) -> list[Any]:
        values = []
        for column in ref.fields:
            value = (row.values or {}).get(column.id)
            values.append(_yes_no(value) if column.type == "boolean" else value)
        return [row.entry_id, row.label, *values, row.status or "", _yes_no(row.active)]

    return write_csv(list_columns(ref), (cells(row) for row in rows))


def _joined(locale: str, reasons: Iterable[str]) -> str:
    # The separator is a message too: French puts a space before a semicolon.
    return translate(locale, Message("; ")).join(translate(locale, r) for r in reasons)


def plan_list_import(
    db: Session, compiled: CompiledWorkflow, ref: ReferenceList, text: str, locale: str = "fr"
) -> ImportPlan:
    """What importing `text` would do; the rejected lines' reasons in the language of `locale`."""
    known = {name: name for name in list_columns(ref)}
    known.update({"libellé": "label", "libelle": "label", "statut": "status", "actif": "active"})
    for column in ref.fields:
        known[normalise_search(compiled.text(column.label))] = column.id
    header, lines = _records(text)
    columns = _columns(header, known, ["label"])
    lookup = Lookup.load(db, compiled, ref)
    names = {column.id: compiled.text(column.label) for column in ref.fields}
    names["label"] = "libellé"
    statuses = status_labels(compiled, ref)
    existing = {
        row.entry_id: row
        for row in db.execute(
            select(ReferenceEntryRow).where(
                ReferenceEntryRow.workflow_id == compiled.spec.id,
                ReferenceEntryRow.list_id == ref.id,
            )
        ).scalars()
    }
    taken = set(existing)
    seen: dict[str, int] = {}
    plan = ImportPlan(locale=locale)
    for line, raw in _data_lines(lines, columns, plan):
        reasons: list[Message] = []
        entry_id = raw.get("id", "").strip()
        if entry_id and not ENTRY_ID.fullmatch(entry_id):
            reasons.append(
                Message(
                    "invalid identifier “{id}” (lower-case letters, digits, _ and -)", id=entry_id
                )
            )
        elif entry_id in seen:
            reasons.append(
                Message(
                    "identifier “{id}” twice (already on line {line})",
                    id=entry_id,
                    line=seen[entry_id],
                )
            )
        data = read_entry(compiled, ref, raw, lookup)
        reasons += [
            Message("{column}: {problem}", column=names.get(name, name), problem=message)
            for name, message in data.errors.items()
        ]
        status = raw.get("status", "").strip()
        if status:
            found = next(
                (k for k, v in statuses.items() if status in (k, v) or status.lower() == v.lower()),
                None,
            )
            if found is None:
                expected = ", ".join(statuses) or Message("no status for this list")
                reasons.append(
                    Message(
                        "unknown status “{status}” (possible: {expected})",
                        status=status,
                        expected=expected,
                    )
                )
            status = found or ""
        active_raw = raw.get("active", "")
        active = read_boolean(active_raw) if active_raw.strip() else None
        if active_raw.strip() and active is None:
            reasons.append(Message("active: “{text}” instead of yes or no", text=active_raw))
        if reasons:
            plan.rejected.append(Rejected(line, _joined(locale, reasons)))
            continue
        if entry_id:
            seen[entry_id] = line
        payload = {"input": data, "status": status or None, "active": active}
        if entry_id and entry_id in existing:
            plan.planned.append(Planned(line, "update", entry_id, data.label, payload))
            continue
        if not entry_id:
            entry_id = unique_id(data.label, taken)
        taken.add(entry_id)
        seen[entry_id] = line
        plan.planned.append(Planned(line, "create", entry_id, data.label, payload))
    return plan


def apply_list_import(
    db: Session, compiled: CompiledWorkflow, ref: ReferenceList, plan: ImportPlan
) -> None:
    """Writes the planned lines (the caller commits, or rolls everything back)."""
    for planned in plan.planned:
        data: EntryInput = planned.data["input"]
        status: str | None = planned.data["status"]
        active: bool | None = planned.data["active"]
        if planned.action == "create":
            create_entry(
                db,
                compiled,
                ref,
                data,
                entry_id=planned.key,
                status=status,
                active=True if active is None else active,
            )
            continue
        row = db.execute(
            select(ReferenceEntryRow).where(
                ReferenceEntryRow.workflow_id == compiled.spec.id,
                ReferenceEntryRow.list_id == ref.id,
                ReferenceEntryRow.entry_id == planned.key,
            )
        ).scalar_one()
        update_entry(row, ref, data)
        if status:
            row.status = status
        if active is not None:
            row.active = active
    db.flush()


# -- training sessions --------------------------------------------------------------------------


def format_moment(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(DATE_FORMAT)


def parse_moment(text: str, zone: ZoneInfo) -> datetime | None:
    compact = " ".join(text.split())
    for pattern in (DATE_FORMAT, "%d/%m/%Y %Hh%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(compact, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


@dataclass
class SessionInput:
    values: dict[str, Any]
    errors: dict[str, str]


def read_session(raw: dict[str, str], zone: ZoneInfo, *, with_code: bool = True) -> SessionInput:
    """A session as typed in the form or a file line; errors by field, as `Message`s."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if with_code:
        code = clean_text(raw.get("code", ""), multiline=False)
        if not code:
            errors["code"] = Message("The code is required.")
        elif not SESSION_CODE.fullmatch(code):
            errors["code"] = Message(
                "The code may hold only letters without accents, digits, - and _ "
                "(64 characters at most)."
            )
        values["code"] = code
    title = clean_text(raw.get("title", ""), multiline=False)
    if not title:
        errors["title"] = Message("The title is required.")
    elif len(title) > 300:
        errors["title"] = Message("The title has {n} characters: 300 at most.", n=len(title))
    values["title"] = title
    for name in ("starts_at", "ends_at"):
        text = clean_text(raw.get(name, ""), multiline=False)
        moment = parse_moment(text, zone) if text else None
        if not text:
            errors[name] = Message("The date is required (dd/mm/yyyy hh:mm).")
        elif moment is None:
            errors[name] = Message("Invalid date “{text}”: write it dd/mm/yyyy hh:mm.", text=text)
        values[name] = moment
    start, end = values["starts_at"], values["ends_at"]
    if start is not None and end is not None and end <= start:
        errors["ends_at"] = Message("The end must be after the start.")
    if "registration_closes_at" in raw:  # absent: left as it is; empty: the default delay
        text = clean_text(raw.get("registration_closes_at") or "", multiline=False)
        closes = parse_moment(text, zone) if text else None
        if text and closes is None:
            errors["registration_closes_at"] = Message(
                "Invalid date “{text}”: write it dd/mm/yyyy hh:mm.", text=text
            )
        elif closes is not None and start is not None and closes > start:
            errors["registration_closes_at"] = Message(
                "Registration must close before the session starts."
            )
        values["registration_closes_at"] = closes
    place = clean_text(raw.get("place", ""), multiline=False)
    if len(place) > 300:
        errors["place"] = Message("The place has more than 300 characters.")
    values["place"] = place
    if "lms_course" in raw:  # the learning platform's course; absent: left as it is
        course = clean_text(raw.get("lms_course") or "", multiline=False)
        if len(course) > 255:
            errors["lms_course"] = Message("The course has more than 255 characters.")
        values["lms_course"] = course or None
    capacity_text = clean_text(raw.get("capacity", ""), multiline=False).replace(" ", "")
    if not capacity_text:
        errors["capacity"] = Message("The capacity is required.")
    elif not re.fullmatch(r"[+-]?\d{1,9}", capacity_text):
        errors["capacity"] = Message("The capacity must be a whole number.")
    elif int(capacity_text) < 0:
        errors["capacity"] = Message("The capacity must be zero or more.")
    else:
        values["capacity"] = int(capacity_text)
    open_text = raw.get("is_open")
    if open_text is not None and open_text.strip():
        is_open = read_boolean(open_text)
        if is_open is None:
            errors["is_open"] = Message("Open: “{text}” instead of yes or no.", text=open_text)
        values["is_open"] = is_open
    return SessionInput(values, errors)


SESSION_NAMES = {
    "code": "code",
    "title": "intitulé",
    "starts_at": "début",
    "ends_at": "fin",
    "place": "lieu",
    "capacity": "capacité",
    "is_open": "ouverte",
    "lms_course": "cours",
}


def export_sessions(db: Session, workflow_id: str, zone: ZoneInfo) -> str:
    rows = db.execute(
        select(TrainingSession)
        .where(TrainingSession.workflow_id == workflow_id)
        .order_by(TrainingSession.starts_at, TrainingSession.code)
    ).scalars()
    return write_csv(
        SESSION_COLUMNS,
        (
            [
                s.code,
                s.title,
                format_moment(s.starts_at, zone),
                format_moment(s.ends_at, zone),
                s.place,
                s.capacity,
                _yes_no(s.is_open),
                s.lms_course or "",
            ]
            for s in rows
        ),
    )


def plan_sessions_import(
    db: Session, workflow_id: str, zone: ZoneInfo, text: str, locale: str = "fr"
) -> ImportPlan:
    """What importing `text` would do; the rejected lines' reasons in the language of `locale`."""
    known = {name: name for name in SESSION_COLUMNS}
    known.update({normalise_search(label): name for name, label in SESSION_NAMES.items()})
    header, lines = _records(text)
    columns = _columns(header, known, ["code", "title", "starts_at", "ends_at", "capacity"])
    existing = set(
        db.execute(
            select(TrainingSession.code).where(TrainingSession.workflow_id == workflow_id)
        ).scalars()
    )
    seen: dict[str, int] = {}
    plan = ImportPlan(locale=locale)
    for line, raw in _data_lines(lines, columns, plan):
        data = read_session(raw, zone)
        reasons = [
            Message("{column}: {problem}", column=SESSION_NAMES[name], problem=msg)
            for name, msg in data.errors.items()
        ]
        code = data.values["code"]
        if code and code in seen:
            reasons.append(
                Message("code “{code}” twice (already on line {line})", code=code, line=seen[code])
            )
        if reasons:
            plan.rejected.append(Rejected(line, _joined(locale, reasons)))
            continue
        seen[code] = line
        action: Literal["create", "update"] = "update" if code in existing else "create"
        plan.planned.append(Planned(line, action, code, data.values["title"], data.values))
    return plan


def apply_sessions_import(
    db: Session, compiled: CompiledWorkflow, plan: ImportPlan, now: datetime
) -> int:
    """Writes the planned sessions; a session whose dates or place change tells its
    participants, as when it is changed on its page. Returns how many are to be told."""
    workflow_id = compiled.spec.id
    told = 0
    for planned in plan.planned:
        values = dict(planned.data)
        is_open = values.pop("is_open", None)
        if planned.action == "create":
            db.add(
                TrainingSession(
                    workflow_id=workflow_id, **values, is_open=True if is_open is None else is_open
                )
            )
            continue
        row = db.execute(
            select(TrainingSession).where(
                TrainingSession.workflow_id == workflow_id, TrainingSession.code == planned.key
            )
        ).scalar_one()
        values.pop("code", None)
        told += change_session(db, compiled, row, values, now)
        if is_open is not None:
            row.is_open = is_open
    db.flush()
    return told


def import_list(
    db: Session, compiled: CompiledWorkflow, ref: ReferenceList, plan: ImportPlan
) -> None:
    """Writes a whole list import in one transaction: every line, or none."""
    with writing(db):
        apply_list_import(db, compiled, ref, plan)


def import_training_sessions(
    db: Session, compiled: CompiledWorkflow, plan: ImportPlan, now: datetime
) -> int:
    """Writes a whole sessions import in one transaction; returns how many participants are
    to be told of their session's change."""
    with writing(db):
        return apply_sessions_import(db, compiled, plan, now)
