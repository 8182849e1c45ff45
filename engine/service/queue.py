"""The backoffice's reading of requests: the queue (tabs of state categories with their counts,
filters, search, sorting, pages), and what the page of one request shows besides its answers
(history, mails, documents), and the notifications of a user's roles.

The queue never reads answers: at submission each request gets the columns it filters, searches
and shows (`queue_columns`, written by RequestService.submit), and two covering indexes make
every page one index scan (see bench/queue_bench.py for the figures at 100,000 requests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    cast,
    func,
    insert,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import (
    Account,
    DocumentRow,
    HistoryRow,
    Notification,
    NotificationRead,
    OutboxMail,
    RequestRow,
)
from .catalog import normalise_search

PAGE_SIZE = 50
MAX_OFFSET = 10_000_000
SORTS = ("submitted", "reference", "state")  # QueueQuery.sort

# -- the columns written at submission ----------------------------------------------------------


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


# -- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """A page of the queue. `states`: those of the tab (None: every state); `submitted`: True
    when the tab holds only submitted requests, False only drafts, None both; the other
    filters narrow it; `words` are searched in reference, name and email (each must appear);
    `reference`: that request alone."""

    states: tuple[str, ...] | None = None
    submitted: bool | None = None
    state: str | None = None
    session_code: str | None = None
    facets: tuple[tuple[str, str], ...] = ()
    submitted_from: datetime | None = None
    submitted_before: datetime | None = None
    words: tuple[str, ...] = ()
    reference: str | None = None
    sort: str = "submitted"
    descending: bool = True
    offset: int = 0
    limit: int = PAGE_SIZE
    # The spec's order of states, for sorting by state (a state missing from it sorts last).
    state_order: tuple[str, ...] = ()


def search_words(text: str, limit: int = 6) -> tuple[str, ...]:
    """The words of a search box, as the search columns hold them ("Dupré" → "dupre")."""
    return tuple(dict.fromkeys(normalise_search(text).split()))[:limit]


def exact_reference(db: Session, workflow_id: str, text: str) -> str | None:
    """The reference typed in a search box, when it is one (as typed or in capitals)."""
    typed = text.strip()
    if not typed or len(typed) > 80 or " " in typed:
        return None
    return db.execute(
        select(RequestRow.reference).where(
            RequestRow.reference.in_(sorted({typed, typed.upper()})),
            RequestRow.workflow_id == workflow_id,
        )
    ).scalar()


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    public_id: str
    reference: str | None
    applicant_name: str | None
    applicant_email: str | None
    session_code: str | None
    state: str
    spec_hash: str
    submitted_at: datetime | None
    created_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    total: int  # of the tab under the filters
    offset: int
    counts: dict[str, int] = field(default_factory=dict)  # per state, under the filters

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)


def _like(column: Any, fragment: str) -> ColumnElement[bool]:
    return column.contains(fragment, autoescape=True)


# On PostgreSQL, the chosen entries as an array, as indexed by migration 0004 (a GIN index on
# this very expression: the separator is written literally so that the planner matches it).
FACETS_ARRAY = func.string_to_array(RequestRow.facets, literal_column("'|'"), type_=PG_ARRAY(Text))


def _filters(workflow_id: str, query: QueueQuery, dialect: str) -> list[Any]:
    """The WHERE terms but the tab's and the state filter."""
    terms: list[Any] = [RequestRow.workflow_id == workflow_id]
    if query.reference is not None:
        terms.append(RequestRow.reference == query.reference)
    if query.session_code is not None:
        terms.append(RequestRow.session_code == query.session_code)
    if query.facets and dialect == "postgresql":
        tokens = [f"{field_id}={entry_id}" for field_id, entry_id in query.facets]
        terms.append(FACETS_ARRAY.contains(cast(tokens, PG_ARRAY(Text))))
    else:
        for field_id, entry_id in query.facets:
            terms.append(_like(RequestRow.facets, facet_token(field_id, entry_id)))
    if query.submitted_from is not None:
        terms.append(RequestRow.submitted_at >= query.submitted_from)
    if query.submitted_before is not None:
        terms.append(RequestRow.submitted_at < query.submitted_before)
    # On PostgreSQL, lower() is the expression of the trigram index (the words are lower
    # case already).
    searched = (
        func.lower(RequestRow.search_text) if dialect == "postgresql" else RequestRow.search_text
    )
    for word in query.words:
        terms.append(_like(searched, word))
    return terms


def _submitted(submitted: bool) -> ColumnElement[bool]:
    # Also what makes the planner read the queue's covering index: its second column.
    return RequestRow.submitted_at.is_not(None) if submitted else RequestRow.submitted_at.is_(None)


def _narrowed(query: QueueQuery) -> bool:
    return bool(
        query.reference
        or query.session_code
        or query.facets
        or query.submitted_from
        or query.submitted_before
        or query.words
    )


def state_counts_statement(workflow_id: str, query: QueueQuery, dialect: str = "sqlite") -> Any:
    """Unfiltered, one pass over the (workflow, state) index. Filtered, submitted requests
    and drafts are counted apart, each on the queue's covering index; grouping on `state || ''`
    keeps SQLite from preferring the (workflow, state) index for its order, which would read
    every row of the table to test the filters."""
    if not _narrowed(query):
        return (
            select(RequestRow.state, func.count().label("n"))
            .where(RequestRow.workflow_id == workflow_id)
            .group_by(RequestRow.state)
        )
    terms = _filters(workflow_id, query, dialect)
    state = RequestRow.state.concat("")
    return union_all(
        *(
            select(state.label("state"), func.count().label("n"))
            .where(*terms, _submitted(submitted))
            .group_by(state)
            for submitted in (True, False)
        )
    )


def dialect_of(db: Session) -> str:
    return db.get_bind().dialect.name


def state_counts(db: Session, workflow_id: str, query: QueueQuery) -> dict[str, int]:
    """How many requests of each state pass the filters (tab and state filter aside): the
    tabs' counts and the page's total come from this one statement."""
    counts: dict[str, int] = {}
    statement = state_counts_statement(workflow_id, query, dialect_of(db))
    for state, n in db.execute(statement):
        counts[state] = counts.get(state, 0) + int(n)
    return counts


def _order(query: QueueQuery) -> list[Any]:
    def way(column: Any) -> Any:
        return column.desc() if query.descending else column.asc()

    if query.sort == "reference":
        return [way(RequestRow.reference), way(RequestRow.id)]
    return [way(RequestRow.submitted_at), way(RequestRow.id)]


def page_ids_statement(
    workflow_id: str,
    query: QueueQuery,
    states: Sequence[str] | None = None,
    dialect: str = "sqlite",
) -> Select[Any]:
    states = query.states if states is None else states
    terms = _filters(workflow_id, query, dialect)
    if states is not None:
        terms.append(RequestRow.state.in_(sorted(states)))
    if query.state is not None:
        terms.append(RequestRow.state == query.state)
    if query.submitted is not None:
        terms.append(_submitted(query.submitted))
    return (
        select(RequestRow.id)
        .where(*terms)
        .order_by(*_order(query))
        .limit(max(1, min(query.limit, 500)))
        .offset(max(0, min(query.offset, MAX_OFFSET)))
    )


_ROW_COLUMNS = (
    RequestRow.id,
    RequestRow.public_id,
    RequestRow.reference,
    RequestRow.applicant_name,
    RequestRow.applicant_email,
    RequestRow.session_code,
    RequestRow.state,
    RequestRow.spec_hash,
    RequestRow.submitted_at,
    RequestRow.created_at,
    RequestRow.version,
)


def _ids(
    db: Session,
    workflow_id: str,
    query: QueueQuery,
    matching: int,
    states: Sequence[str] | None = None,
) -> list[int]:
    """The ids of the page among `matching` rows. Past the middle, they are read from the other
    end (order reversed, offset from the end), so the last page costs what the first does and
    the middle one is the dearest: an offset is read through, never more than half."""
    limit = max(1, min(query.limit, 500))
    offset = max(0, min(query.offset, MAX_OFFSET))
    if offset >= matching:
        return []
    wanted = min(limit, matching - offset)
    from_end = matching - offset - wanted
    dialect = dialect_of(db)
    if from_end < offset:
        flipped = replace(query, descending=not query.descending, offset=from_end, limit=wanted)
        statement = page_ids_statement(workflow_id, flipped, states, dialect)
        return [i for (i,) in db.execute(statement)][::-1]
    part = replace(query, offset=offset, limit=limit)
    return [i for (i,) in db.execute(page_ids_statement(workflow_id, part, states, dialect))]


def _ids_by_state(
    db: Session, workflow_id: str, query: QueueQuery, counts: Mapping[str, int], shown: set[str]
) -> list[int]:
    """Sorted by state: the states in the spec's order, each newest first. The counts say in
    which state the page starts, so each statement reads one state from its own offset."""
    ranked = [s for s in query.state_order if s in shown]
    ranked += sorted(shown - set(ranked))
    if query.descending:
        ranked.reverse()
    skip, wanted, ids = query.offset, query.limit, []
    for state in ranked:
        n = counts.get(state, 0)
        if skip >= n:
            skip -= n
            continue
        part = replace(query, sort="submitted", descending=True, offset=skip, limit=wanted)
        ids += _ids(db, workflow_id, part, n, (state,))
        skip, wanted = 0, query.limit - len(ids)
        if wanted <= 0:
            break
    return ids


def queue_page(
    db: Session, workflow_id: str, query: QueueQuery, counts: Mapping[str, int] | None = None
) -> QueuePage:
    """The counts per state (unless given), then the ids of the page (read from the index
    alone), then those rows' columns: the rows skipped by the offset are never read."""
    counts = dict(state_counts(db, workflow_id, query) if counts is None else counts)
    shown = set(counts) if query.states is None else set(query.states) & set(counts)
    if query.state is not None:
        shown &= {query.state}
    total = sum(counts[s] for s in shown)
    if not total:
        ids: list[int] = []
    elif query.sort == "state":
        ids = _ids_by_state(db, workflow_id, query, counts, shown)
    else:
        ids = _ids(db, workflow_id, query, total)
    rows: list[QueueRow] = []
    if ids:
        found = {
            r.id: QueueRow(*r)
            for r in db.execute(select(*_ROW_COLUMNS).where(RequestRow.id.in_(ids)))
        }
        rows = [found[i] for i in ids if i in found]
    return QueuePage(rows, total, query.offset, counts)


def draft_names(
    db: Session, compiled_of: Any, rows: Sequence[QueueRow]
) -> dict[int, tuple[str, str | None]]:
    """Name and email of drafts (not written until submission), read from their answers."""
    missing = [r.id for r in rows if r.applicant_name is None]
    if not missing:
        return {}
    found: dict[int, tuple[str, str | None]] = {}
    for row_id, spec_hash, answers in db.execute(
        select(RequestRow.id, RequestRow.spec_hash, RequestRow.answers).where(
            RequestRow.id.in_(missing)
        )
    ):
        compiled = compiled_of(spec_hash)
        answers = answers or {}
        email = answers.get(compiled.spec.applicant.email)
        found[row_id] = (
            applicant_name(compiled, answers),
            email if isinstance(email, str) else None,
        )
    return found


# -- one request --------------------------------------------------------------------------------


def find_request(db: Session, workflow_id: str, key: str) -> RequestRow | None:
    """A request by its reference, or a draft (which has none yet) by its public id."""
    if not key or len(key) > 80:
        return None
    row = db.execute(
        select(RequestRow).where(RequestRow.reference == key, RequestRow.workflow_id == workflow_id)
    ).scalar_one_or_none()
    if row is None and len(key) == 36:
        row = db.execute(
            select(RequestRow).where(
                RequestRow.public_id == key,
                RequestRow.workflow_id == workflow_id,
                RequestRow.reference.is_(None),
            )
        ).scalar_one_or_none()
    return row


def lock_request(db: Session, workflow_id: str, key: str) -> RequestRow | None:
    """The same, locked for the rest of the transaction on PostgreSQL (SQLite's write
    transactions are serialised already): two people firing at once queue here, and the
    second sees the first's version."""
    found = find_request(db, workflow_id, key)
    if found is None:
        return None
    locked = db.execute(
        select(RequestRow)
        .where(RequestRow.id == found.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return locked


def history_of(db: Session, request_id: int) -> list[HistoryRow]:
    return list(
        db.execute(
            select(HistoryRow).where(HistoryRow.request_id == request_id).order_by(HistoryRow.id)
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class MailLine:
    id: int
    template: str
    subject: str
    to: list[str]
    cc: list[str]
    status: str  # queued, sent, failed, redirected
    redirected_to: list[str] | None
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


def mails_of(db: Session, request_id: int) -> list[MailLine]:
    rows = db.execute(
        select(
            OutboxMail.id,
            OutboxMail.template,
            OutboxMail.subject,
            OutboxMail.to,
            OutboxMail.cc,
            OutboxMail.status,
            OutboxMail.redirected_to,
            OutboxMail.created_at,
            OutboxMail.sent_at,
            OutboxMail.last_error,
        )
        .where(OutboxMail.request_id == request_id)
        .order_by(OutboxMail.id)
    )
    lines = []
    for r in rows:
        status = "redirected" if r.status == "sent" and r.redirected_to else r.status
        lines.append(
            MailLine(
                r.id,
                r.template,
                r.subject,
                list(r.to or []),
                list(r.cc or []),
                status,
                list(r.redirected_to) if r.redirected_to else None,
                r.created_at,
                r.sent_at,
                r.last_error,
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class DocumentLine:
    id: int
    document_id: str
    filename: str
    created_at: datetime
    size: int


def documents_of(db: Session, request_id: int) -> list[DocumentLine]:
    """The request's documents, without their bytes."""
    rows = db.execute(
        select(
            DocumentRow.id,
            DocumentRow.document_id,
            DocumentRow.filename,
            DocumentRow.created_at,
            func.length(DocumentRow.content),
        )
        .where(DocumentRow.request_id == request_id)
        .order_by(DocumentRow.id)
    )
    return [DocumentLine(r[0], r[1], r[2], r[3], int(r[4] or 0)) for r in rows]


def document_of(db: Session, request_id: int, document_row_id: int) -> DocumentRow | None:
    return db.execute(
        select(DocumentRow).where(
            DocumentRow.id == document_row_id, DocumentRow.request_id == request_id
        )
    ).scalar_one_or_none()


# -- notifications ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotificationLine:
    id: int
    role: str
    message: str
    created_at: datetime
    unread: bool
    workflow_id: str | None
    reference: str | None
    public_id: str | None


def notifications_for(
    db: Session, account: Account, roles: Iterable[str], *, offset: int = 0, limit: int = 50
) -> tuple[list[NotificationLine], bool]:
    """The notifications of the user's roles, newest first, with whether this user has read
    them (the same set as the frame's unread counter), and whether older ones follow."""
    roles = sorted(set(roles))
    if not roles:
        return [], False
    rows = list(
        db.execute(
            select(
                Notification.id,
                Notification.role,
                Notification.message,
                Notification.created_at,
                RequestRow.workflow_id,
                RequestRow.reference,
                RequestRow.public_id,
            )
            .outerjoin(RequestRow, RequestRow.id == Notification.request_id)
            .where(Notification.role.in_(roles))
            .order_by(Notification.id.desc())  # in the order they were written: newest first
            .limit(limit + 1)
            .offset(max(0, offset))
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    # Read flags of this page only: a look-up in the reads' primary key per notification.
    read = set(
        db.execute(
            select(NotificationRead.notification_id).where(
                NotificationRead.notification_id.in_([r.id for r in rows]),
                NotificationRead.account_id == account.id,
            )
        ).scalars()
    )
    return [
        NotificationLine(r[0], r[1], r[2], r[3], r[0] not in read, r[4], r[5], r[6]) for r in rows
    ], more


def mark_read(db: Session, account_id: int, notification_ids: Iterable[int], now: datetime) -> int:
    """Records that the user read these notifications (those already read are left alone);
    commits. Two tabs doing it at once both succeed."""
    wanted = sorted(set(notification_ids))
    if not wanted:
        return 0
    already = set(
        db.execute(
            select(NotificationRead.notification_id).where(
                NotificationRead.account_id == account_id,
                NotificationRead.notification_id.in_(wanted),
            )
        ).scalars()
    )
    missing = [i for i in wanted if i not in already]
    if not missing:
        db.rollback()
        return 0
    try:
        db.execute(
            insert(NotificationRead),
            [{"notification_id": i, "account_id": account_id, "read_at": now} for i in missing],
        )
        db.commit()
    except IntegrityError:  # another tab of the same user marked them meanwhile
        db.rollback()
        return 0
    return len(missing)
