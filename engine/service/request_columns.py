"""The columns the backoffice's request list reads, written on each request at submission:
the applicant's name, a search text (reference, name, email: lower case, accents removed) and
the reference entries chosen (`facets`). The list never reads answers: with these columns and
two covering indexes every page is one index scan (see bench/queue_bench.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import RequestRow
from .catalog import normalise_search


@dataclass(frozen=True, slots=True)
class QueueColumns:
    applicant_name: str | None
    search_text: str
    facets: str


def applicant_name(compiled: CompiledWorkflow, answers: Mapping[str, Any]) -> str:
    applicant = compiled.spec.applicant
    parts = [answers.get(f) for f in (applicant.first_name, applicant.last_name) if f]
    return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def facet_token(field_id: str, entry_id: str) -> str:
    return f"|{field_id}={entry_id}|"


def queue_columns(
    compiled: CompiledWorkflow, answers: Mapping[str, Any], reference: str | None
) -> QueueColumns:
    """What the queue filters, searches and shows of a request, from its answers."""
    name = applicant_name(compiled, answers)
    email = answers.get(compiled.spec.applicant.email)
    words = [reference or "", name, email if isinstance(email, str) else ""]
    chosen = [
        (field_id, value)
        for field_id in compiled.reference_fields()
        if isinstance(value := answers.get(field_id), str) and value
    ]
    facets = "|" + "".join(f"{f}={v}|" for f, v in chosen) if chosen else ""
    return QueueColumns(name or None, normalise_search(" ".join(words)), facets)


def fill_queue_columns(row: RequestRow, compiled: CompiledWorkflow) -> None:
    columns = queue_columns(compiled, row.answers or {}, row.reference)
    row.applicant_name = columns.applicant_name
    row.search_text = columns.search_text
    row.facets = columns.facets


def backfill(db: Session, version_of: Any, batch: int = 500) -> int:
    """Writes the queue columns of submitted requests that have none (those submitted before
    the columns existed). `version_of(spec_hash)` gives a request's compiled workflow; the
    requests of a version that no longer compiles are left as they are (shown, not found by
    a search)."""
    versions: dict[str, CompiledWorkflow | None] = {}

    def compiled(spec_hash: str) -> CompiledWorkflow | None:
        if spec_hash not in versions:
            try:
                versions[spec_hash] = version_of(spec_hash)
            except Exception:  # an old version that no longer compiles stays unsearchable
                versions[spec_hash] = None
        return versions[spec_hash]

    done = 0
    last_id = 0
    columns = (RequestRow.id, RequestRow.spec_hash, RequestRow.answers, RequestRow.reference)
    while True:
        rows = list(
            db.execute(
                select(*columns)
                .where(
                    RequestRow.id > last_id,
                    RequestRow.submitted_at.is_not(None),
                    RequestRow.search_text.is_(None),
                )
                .order_by(RequestRow.id)
                .limit(batch)
            )
        )
        if not rows:
            return done
        for row in rows:
            version = compiled(row.spec_hash)
            if version is None:
                continue
            values = queue_columns(version, row.answers or {}, row.reference)
            db.execute(
                RequestRow.__table__.update()
                .where(RequestRow.id == row.id)
                .values(
                    applicant_name=values.applicant_name,
                    search_text=values.search_text,
                    facets=values.facets,
                )
            )
            done += 1
        last_id = rows[-1].id
