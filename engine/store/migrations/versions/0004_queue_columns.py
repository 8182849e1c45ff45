"""queue columns: applicant name, search words and chosen entries of each request, indexed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:39:34.825061
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

import sqlalchemy as sa
import yaml
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_notification_reads_account",
        "notification_reads",
        ["account_id", "notification_id"],
        unique=False,
    )

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_name", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("facets", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_requests_queue_reference",
            [
                "workflow_id",
                "reference",
                "id",
                "state",
                "session_code",
                "submitted_at",
                "facets",
                "search_text",
            ],
            unique=False,
        )
        batch_op.create_index(
            "ix_requests_queue_submitted",
            [
                "workflow_id",
                "submitted_at",
                "id",
                "state",
                "session_code",
                "facets",
                "search_text",
            ],
            unique=False,
        )

    _postgresql_indexes()
    _fill_existing_requests()


def _postgresql_indexes() -> None:
    """PostgreSQL only (see RequestRow's indexes): a GIN index on the chosen entries as an
    array, which the queue's filters read (`string_to_array(facets, '|') @>`), and, where the
    pg_trgm extension may be created, a trigram index on the search words, so that a search by
    name reads it instead of the whole table."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_requests_facets_gin ON requests USING gin (string_to_array(facets, '|'))"
    )
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return  # not allowed to this user: searches scan the queue's covering index instead
    op.execute(
        "CREATE INDEX ix_requests_search_trgm ON requests USING gin "
        "(lower(search_text) gin_trgm_ops)"
    )


# What the backfill reads and writes, as the tables stood at this revision. Like everything
# below, written out here: a migration runs the same whatever the code becomes.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_requests = sa.table(
    "requests",
    sa.column("id", sa.Integer),
    sa.column("spec_hash", sa.String),
    sa.column("answers", _JSON),
    sa.column("reference", sa.String),
    sa.column("submitted_at", sa.DateTime(timezone=True)),
    sa.column("applicant_name", sa.String),
    sa.column("search_text", sa.Text),
    sa.column("facets", sa.Text),
)
_spec_versions = sa.table(
    "spec_versions",
    sa.column("content_hash", sa.String),
    sa.column("workflow_id", sa.String),
    sa.column("files", _JSON),
)


def _fill_existing_requests(batch: int = 500) -> None:
    """Requests submitted before this revision get their queue columns, computed under the
    workflow version each is pinned to (its files are kept in spec_versions). A version
    whose files cannot be read leaves its requests as they are (shown, not found by a
    search)."""
    bind = op.get_bind()
    versions: dict[str, _QueueFields | None] = {}
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(
                _requests.c.id, _requests.c.spec_hash, _requests.c.answers, _requests.c.reference
            )
            .where(
                _requests.c.id > last_id,
                _requests.c.submitted_at.is_not(None),
                _requests.c.search_text.is_(None),
            )
            .order_by(_requests.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            if row.spec_hash not in versions:
                versions[row.spec_hash] = _queue_fields(bind, row.spec_hash)
            fields = versions[row.spec_hash]
            if fields is None:
                continue
            bind.execute(
                _requests.update()
                .where(_requests.c.id == row.id)
                .values(**fields.columns(row.answers or {}, row.reference))
            )
        last_id = rows[-1].id


class _QueueFields(NamedTuple):
    """Which answers a workflow version names as the applicant's, and its reference-choice
    fields in the order of the wizard. (Not a dataclass: Alembic loads a revision without
    registering it as a module, which dataclasses need.)"""

    email: str | None
    first_name: str | None
    last_name: str | None
    reference_fields: tuple[str, ...]

    def columns(self, answers: dict[str, Any], reference: str | None) -> dict[str, Any]:
        parts = [answers.get(f) for f in (self.first_name, self.last_name) if f]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        email = answers.get(self.email) if self.email else None
        words = [reference or "", name, email if isinstance(email, str) else ""]
        chosen = [
            (field_id, value)
            for field_id in self.reference_fields
            if isinstance(value := answers.get(field_id), str) and value
        ]
        return {
            "applicant_name": name or None,
            "search_text": _normalise_search(" ".join(words)),
            "facets": "|" + "".join(f"{f}={v}|" for f, v in chosen) if chosen else "",
        }


def _queue_fields(bind: sa.Connection, spec_hash: str) -> _QueueFields | None:
    version = bind.execute(
        sa.select(_spec_versions.c.workflow_id, _spec_versions.c.files).where(
            _spec_versions.c.content_hash == spec_hash
        )
    ).first()
    if version is None:
        return None
    files: dict[str, str] = version.files or {}
    name = f"workflows/{version.workflow_id}.yaml"
    if name not in files:
        name = next((n for n in files if n.startswith("workflows/") and n.endswith(".yaml")), "")
    try:
        workflow = yaml.safe_load(files.get(name, ""))
        applicant = workflow.get("applicant") or {}
        steps = (workflow.get("wizard") or {}).get("steps") or []
        fields = [f for step in steps for f in _expanded(step.get("fields") or [], files, 0)]
    except (yaml.YAMLError, AttributeError, TypeError):
        return None
    return _QueueFields(
        email=applicant.get("email"),
        first_name=applicant.get("first_name"),
        last_name=applicant.get("last_name"),
        reference_fields=tuple(
            f["id"] for f in fields if f.get("type") == "reference_choice" and "id" in f
        ),
    )


def _expanded(items: list[Any], files: dict[str, str], depth: int) -> list[dict[str, Any]]:
    """A step's fields with every `- include: form` replaced by the form's own fields."""
    found: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("include"), str) and depth < 5:
            form = yaml.safe_load(files.get(f"forms/{item['include']}.yaml", "")) or {}
            found.extend(_expanded(form.get("fields") or [], files, depth + 1))
        elif isinstance(item, dict):
            found.append(item)
    return found


def _normalise_search(text: str) -> str:
    """Lower case, accents and punctuation removed: "Saint-Étienne" → "saint etienne"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


def downgrade() -> None:
    op.drop_index("ix_notification_reads_account", table_name="notification_reads")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_requests_search_trgm")
        op.execute("DROP INDEX IF EXISTS ix_requests_facets_gin")

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_queue_submitted")
        batch_op.drop_index("ix_requests_queue_reference")
        batch_op.drop_column("facets")
        batch_op.drop_column("search_text")
        batch_op.drop_column("applicant_name")
