"""Backoffice: exporting a workflow's requests as CSV (UTF-8 with BOM, for spreadsheet programs)
or XLSX, with the columns an operator chooses among the spec's answer fields. Values are those
people read (`display_answers`), dates in local time, and no cell can start a formula."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from engine.service.requests import RequestService
from engine.spec.fields import SessionField
from engine.store.models import RequestRow, TrainingSession
from engine.wizard.display import display_answers

from ..params import Choice, Choices
from .access import Desk, ManageDesk

router = APIRouter(prefix="/backoffice/{workflow_id}")

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 20000


# -- shared by the mails and PDF pages ---------------------------------------------------------


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M") if moment else ""


def ascii_name(filename: str) -> str:
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.")
    return plain or "fichier"


def download_headers(filename: str) -> dict[str, str]:
    """A download under `filename` (RFC 6266: an ASCII fallback and the UTF-8 name)."""
    return {
        "Content-Disposition": (
            f'attachment; filename="{ascii_name(filename)}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}"
        ),
        "Cache-Control": "no-store",
    }


# -- columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str  # "request", "answer", "entry"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


def columns(desk: Desk) -> list[Column]:
    compiled = desk.compiled
    found = [
        Column("reference", desk.gettext("Reference"), "request"),
        Column("state", desk.gettext("State"), "request"),
    ]
    if any(isinstance(f, SessionField) for f in compiled.fields.values()) or _has_sessions(desk):
        found.append(Column("session", desk.gettext("Session"), "request"))
    found.append(Column("submitted_at", desk.gettext("Sent on"), "request"))
    for field_id, field in compiled.fields.items():
        if field.has_answer:
            label = desk.text(getattr(field, "label", None)) or field_id
            found.append(Column(f"answer:{field_id}", label, "answer"))
    lists = {ref.id: ref for ref in compiled.spec.reference_lists}
    for field_id, field in compiled.reference_fields().items():
        ref = lists.get(field.list)
        if ref is None:
            continue
        field_label = desk.text(field.label) or field_id
        for attribute in ref.fields:
            found.append(
                Column(
                    f"entry:{field_id}:{attribute.id}",
                    f"{field_label} — {desk.text(attribute.label)}",
                    "entry",
                )
            )
    return found


def _has_sessions(desk: Desk) -> bool:
    found = desk.db.execute(
        select(TrainingSession.id).where(TrainingSession.workflow_id == desk.compiled.spec.id)
    ).first()
    return found is not None


def _entry_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return str(value)


def table(desk: Desk, chosen: list[Column], state: str, session: str) -> Iterator[list[str]]:
    compiled = desk.compiled
    service = RequestService(desk.db, desk.runtime)
    zone = desk.runtime.zone
    labels = {s.id: desk.text(s.label) for s in compiled.spec.process.states}
    query = select(RequestRow).where(RequestRow.workflow_id == compiled.spec.id)
    if state:
        query = query.where(RequestRow.state == state)
    if session:
        query = query.where(RequestRow.session_code == session)
    query = query.order_by(
        RequestRow.submitted_at.is_(None), RequestRow.submitted_at, RequestRow.id
    ).limit(MAX_ROWS)
    yield [column.label for column in chosen]
    for row in desk.db.execute(query).scalars():
        entries = service.entries(compiled, row.answers)
        shown = display_answers(
            compiled.fields, row.answers, desk.locale, compiled.spec.locale, entries
        )
        values = {
            "reference": row.reference or "",
            "state": labels.get(row.state, row.state),
            "session": row.session_code or "",
            "submitted_at": local_time(row.submitted_at, zone),
        }
        cells = []
        for column in chosen:
            if column.group == "answer":
                value = shown.get(column.key.split(":", 1)[1], "")
            elif column.group == "entry":
                _, field_id, attribute = column.key.split(":", 2)
                value = _entry_value((entries.get(field_id) or {}).get(attribute))
            else:
                value = values.get(column.key, "")
            cells.append(neutralise(value))
        yield cells


def as_csv(rows: Iterator[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(rows: Iterator[list[str]], title: str) -> bytes:
    """Every cell is a string cell: even a value that slipped past `neutralise` is never stored
    as a formula."""
    # openpyxl takes about 0.1 s to import: only the XLSX export pays for it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=ascii_name(title)[:31] or "export")
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _form_page(
    desk: Desk,
    *,
    chosen: set[str],
    fmt: str,
    state: str,
    session: str,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    spec = desk.compiled.spec
    sessions = (
        desk.db.execute(
            select(TrainingSession)
            .where(TrainingSession.workflow_id == spec.id)
            .order_by(TrainingSession.starts_at)
        )
        .scalars()
        .all()
    )
    groups = {
        "request": desk.gettext("The request"),
        "answer": desk.gettext("The answers"),
        "entry": desk.gettext("Reference lists"),
    }
    all_columns = columns(desk)
    return desk.page(
        "backoffice/export.html",
        status=status,
        title=desk.gettext("Export"),
        groups=[
            {
                "label": label,
                "columns": [c for c in all_columns if c.group == group],
            }
            for group, label in groups.items()
            if any(c.group == group for c in all_columns)
        ],
        chosen=chosen,
        fmt=fmt,
        states=[{"id": s.id, "label": desk.text(s.label)} for s in spec.process.states],
        state=state,
        sessions=[{"code": s.code, "label": f"{s.code} — {s.title}"} for s in sessions],
        session=session,
        error=error,
    )


@router.get("/export", response_class=HTMLResponse)
def export_form(desk: ManageDesk) -> HTMLResponse:
    default = {c.key for c in columns(desk) if c.group != "entry"}
    return _form_page(desk, chosen=default, fmt="csv", state="", session="")


class ExportAddress(BaseModel):
    """What the export form asks for: columns, format, and the requests' state and session."""

    colonne: Choices = Field(default_factory=list)
    format: Choice = "csv"
    etat: Choice = ""
    session: Choice = ""


@router.get("/export/fichier", response_model=None)
def export_file(desk: ManageDesk, address: Annotated[ExportAddress, Query()]) -> Response:
    available = columns(desk)
    wanted = set(address.colonne)
    chosen = [c for c in available if c.key in wanted]
    fmt, state, session = address.format, address.etat, address.session
    states = {s.id for s in desk.compiled.spec.process.states}
    problem = ""
    if not chosen:
        problem = desk.gettext("Choose at least one column.")
    elif fmt not in FORMATS:
        problem = desk.gettext("Choose the CSV or XLSX format.")
    elif state and state not in states:
        problem = desk.gettext("This state does not exist in this process.")
    if problem:
        return _form_page(
            desk,
            chosen=wanted,
            fmt=fmt if fmt in FORMATS else "csv",
            state=state,
            session=session[:64],
            error=problem,
            status=400,
        )
    rows = table(desk, chosen, state, session[:64])
    stamp = desk.runtime.now().astimezone(desk.runtime.zone).strftime("%Y-%m-%d-%H%M")
    filename = f"{desk.compiled.spec.id}-demandes-{stamp}.{fmt}"
    body = as_csv(rows) if fmt == "csv" else as_xlsx(rows, desk.compiled.spec.id)
    return Response(body, media_type=FORMATS[fmt], headers=download_headers(filename))
