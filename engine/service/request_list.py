"""The backoffice's list of requests: tabs of state categories with their counts, filters,
search, sorting and pages.

A page is three statements: the counts per state under the filters, the ids of the page (read
from a covering index alone, from whichever end is nearer), then those rows' columns. The
columns filtered, searched and shown are written at submission (`request_columns`).

Nothing reads a number of rows that grows with the table: a count under filters stops past
COUNT_CAP rows ("more than 5,000"), a page typed by its number is read at most REACH rows from
the nearer end (farther pages are reached by "next", from row to row), and the unfiltered counts
are kept by the database (`request_counts`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    cast,
    func,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.orm import Session

from ..store.models import RequestRow
from .catalog import normalise_search
from .request_columns import applicant_name, facet_token
from .request_counts import counts_by_state

PAGE_SIZE = 50
MAX_OFFSET = 10_000_000
# A count under filters or a search stops past this many rows: beyond it the page says "more
# than 5,000", so that a search matching half the table costs what one matching 5,000 does.
COUNT_CAP = 5_000
# A page typed by its number is read through an offset, from the nearer end: at most this many
# rows without filters (an index-only range, about 10 ms at 10^6), COUNT_CAP under filters
# (each row skipped is tested). Farther pages are reached from row to row ("next") or by dates.
REACH = 25_000
SORTS = ("submitted", "reference", "state")  # QueueQuery.sort


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
    # Keyset pages: the public id of the row the page follows (the "next" link) or precedes
    # (the "previous" link). The page is then read from that row on, whatever the offset, so
    # walking a million requests page by page costs the same on every page.
    after: str | None = None
    before: str | None = None


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
class StateCounts:
    """Requests per state under the filters (the tab and the state filter aside). `capped`:
    more than COUNT_CAP requests pass the filters and counting stopped there; `by_state` then
    holds the rows read before it stopped, a floor for each state, and a tab's total is
    counted on its own (`tab_total`)."""

    by_state: dict[str, int] = field(default_factory=dict)
    capped: bool = False

    def covers(self, states: set[str]) -> bool:
        """Whether these states hold every row counted: a capped count is then theirs."""
        return all(s in states for s, n in self.by_state.items() if n)


@dataclass(frozen=True, slots=True)
class Total:
    """How many requests a page is part of; `capped`: more than `n` (COUNT_CAP)."""

    n: int
    capped: bool = False


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    total: Total  # of the tab under the filters
    offset: int
    counts: StateCounts = field(default_factory=StateCounts)

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)


def _like(column: Any, fragment: str) -> ColumnElement[bool]:
    return column.contains(fragment, autoescape=True)


# On PostgreSQL, the chosen entries and the state as an array, as indexed by migration 0008 (a
# GIN index on this very expression: the separator and the state's prefix are written
# literally so that the planner matches it).
FACETS_ARRAY = func.array_append(
    func.string_to_array(RequestRow.facets, literal_column("'|'")),
    literal_column("'state:'", Text).concat(RequestRow.state),
    type_=PG_ARRAY(Text),
)


def _state_tokens(states: Sequence[str]) -> Any:
    return cast([f"state:{s}" for s in sorted(states)], PG_ARRAY(Text))


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


def state_counts_statement(
    workflow_id: str, query: QueueQuery, dialect: str = "sqlite", cap: int | None = None
) -> Any:
    """Unfiltered, one pass over the (workflow, state) index. Filtered, submitted requests
    and drafts are counted apart, each on the queue's covering index, reading at most `cap`
    rows of each; grouping on `state || ''` keeps SQLite from preferring the (workflow, state)
    index for its order, which would read every row of the table to test the filters."""
    if not _narrowed(query):
        return (
            select(RequestRow.state, func.count().label("n"))
            .where(RequestRow.workflow_id == workflow_id)
            .group_by(RequestRow.state)
        )
    terms = _filters(workflow_id, query, dialect)
    parts = []
    for submitted in (True, False):
        # The state as an expression, under the LIMIT: what the planner reads is the filter's
        # index (or the covering one), never the (workflow, state) index for its order.
        rows = (
            select(RequestRow.state.concat("").label("state"))
            .where(*terms, _submitted(submitted))
            .limit(cap)
            .subquery()
        )
        parts.append(select(rows.c.state, func.count().label("n")).group_by(rows.c.state))
    return union_all(*parts)


def dialect_of(db: Session) -> str:
    return db.get_bind().dialect.name


def state_counts(db: Session, workflow_id: str, query: QueueQuery) -> StateCounts:
    """How many requests of each state pass the filters (tab and state filter aside): the
    tabs' counts and the page's total come from this one statement, which stops past
    COUNT_CAP rows, or from the counts the database keeps when no filter but a session
    narrows them."""
    if not _narrowed(replace(query, session_code=None)):
        # Of the whole workflow or one session: kept up to date by the database.
        return StateCounts(counts_by_state(db, workflow_id, query.session_code))
    counts: dict[str, int] = {}
    statement = state_counts_statement(workflow_id, query, dialect_of(db), COUNT_CAP + 1)
    for state, n in db.execute(statement):
        counts[state] = counts.get(state, 0) + int(n)
    return StateCounts(counts, sum(counts.values()) > COUNT_CAP)


def shown_states(query: QueueQuery, counts: StateCounts) -> set[str]:
    """The states of the page: the tab's, narrowed by the state filter."""
    shown = set(counts.by_state) if query.states is None else set(query.states)
    if query.state is not None:
        shown &= {query.state}
    return shown


def count_upto(
    db: Session, workflow_id: str, query: QueueQuery, states: Sequence[str], cap: int
) -> int:
    """How many requests of these states pass the filters, counted up to `cap`."""
    terms = _page_terms(workflow_id, replace(query, state=None), states, dialect_of(db))
    rows = select(RequestRow.id).where(*terms).limit(cap).subquery()
    return int(db.execute(select(func.count()).select_from(rows)).scalar_one())


def tab_total(db: Session, workflow_id: str, query: QueueQuery, counts: StateCounts) -> Total:
    """How many requests the page is part of: from the counts, unless they were capped and
    hold other states too, then counted up to COUNT_CAP for these states alone."""
    shown = shown_states(query, counts)
    if not counts.capped:
        return Total(sum(counts.by_state.get(s, 0) for s in shown))
    if counts.covers(shown):
        return Total(COUNT_CAP, capped=True)
    n = count_upto(db, workflow_id, query, sorted(shown), COUNT_CAP + 1)
    return Total(min(n, COUNT_CAP), capped=n > COUNT_CAP)


def reach(query: QueueQuery) -> int:
    """How far from the nearer end a page typed by its number may start."""
    return COUNT_CAP if _narrowed(replace(query, session_code=None)) else REACH


def reachable_offset(query: QueueQuery, total: Total) -> int:
    """The offset of the page typed by its number or, when it starts farther than `reach`
    from both ends, of the nearest page that does not (pages start at multiples of the
    page's size)."""
    offset = max(0, min(query.offset, MAX_OFFSET))
    limit = max(1, query.limit)
    far = reach(query)
    from_start = far // limit * limit  # the last page start within reach of the first row
    if total.capped:
        return min(offset, from_start)
    from_end = -(-max(0, total.n - limit - far) // limit) * limit  # the first one of the last
    if offset <= from_start or offset >= from_end:
        return offset
    return from_start if offset - from_start <= from_end - offset else from_end


def _order(query: QueueQuery) -> list[Any]:
    def way(column: Any) -> Any:
        return column.desc() if query.descending else column.asc()

    if query.sort == "reference":
        return [way(RequestRow.reference), way(RequestRow.id)]
    return [way(RequestRow.submitted_at), way(RequestRow.id)]


def _page_terms(
    workflow_id: str, query: QueueQuery, states: Sequence[str] | None, dialect: str
) -> list[Any]:
    states = query.states if states is None else states
    terms = _filters(workflow_id, query, dialect)
    if query.facets and dialect == "postgresql":
        # The GIN index holds the states too: it finds the rows of the tab and the entries at
        # once, instead of reading every row with the entries to test its state.
        if states is not None:
            terms.append(FACETS_ARRAY.overlap(_state_tokens(states)))
        if query.state is not None:
            terms.append(FACETS_ARRAY.contains(_state_tokens([query.state])))
    else:
        if states is not None:
            terms.append(RequestRow.state.in_(sorted(states)))
        if query.state is not None:
            terms.append(RequestRow.state == query.state)
    if query.submitted is not None:
        terms.append(_submitted(query.submitted))
    return terms


def page_ids_statement(
    workflow_id: str,
    query: QueueQuery,
    states: Sequence[str] | None = None,
    dialect: str = "sqlite",
) -> Select[Any]:
    return (
        select(RequestRow.id)
        .where(*_page_terms(workflow_id, query, states, dialect))
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
    matching: int | None,
    states: Sequence[str] | None = None,
) -> list[int]:
    """The ids of the page among `matching` rows. Past the middle, they are read from the other
    end (order reversed, offset from the end), so the last page costs what the first does and
    the middle one is the dearest: an offset is read through, never more than half. With no
    count (`None`: more than COUNT_CAP), from the start."""
    limit = max(1, min(query.limit, 500))
    offset = max(0, min(query.offset, MAX_OFFSET))
    dialect = dialect_of(db)
    if matching is None:
        part = replace(query, offset=offset, limit=limit)
        return [i for (i,) in db.execute(page_ids_statement(workflow_id, part, states, dialect))]
    if offset >= matching:
        return []
    wanted = min(limit, matching - offset)
    from_end = matching - offset - wanted
    if from_end < offset:
        flipped = replace(query, descending=not query.descending, offset=from_end, limit=wanted)
        statement = page_ids_statement(workflow_id, flipped, states, dialect)
        return [i for (i,) in db.execute(statement)][::-1]
    part = replace(query, offset=offset, limit=limit)
    return [i for (i,) in db.execute(page_ids_statement(workflow_id, part, states, dialect))]


def _ranked(query: QueueQuery, shown: set[str]) -> list[str]:
    ranked = [s for s in query.state_order if s in shown]
    ranked += sorted(shown - set(ranked))
    if query.descending:
        ranked.reverse()
    return ranked


def _ids_by_state(
    db: Session, workflow_id: str, query: QueueQuery, counts: StateCounts, shown: set[str]
) -> list[int]:
    """Sorted by state: the states in the spec's order, each newest first. The counts say in
    which state the page starts, so each statement reads one state from its own offset. When
    they were capped, each state before the page is counted up to the rows still to skip."""
    ranked = _ranked(query, shown)
    skip, wanted, ids = query.offset, query.limit, []
    for state in ranked:
        n: int | None = counts.by_state.get(state, 0)
        if counts.capped:
            n = count_upto(db, workflow_id, query, (state,), skip + 1) if skip else None
        if n is not None and skip >= n:
            skip -= n
            continue
        part = replace(query, sort="submitted", descending=True, offset=skip, limit=wanted)
        ids += _ids(db, workflow_id, part, None if counts.capped else n, (state,))
        skip, wanted = 0, query.limit - len(ids)
        if wanted <= 0:
            break
    return ids


@dataclass(frozen=True, slots=True)
class Cursor:
    """The row a keyset page follows or precedes: its id and the values it is sorted by."""

    id: int
    state: str
    submitted_at: datetime
    reference: str


def _cursor(db: Session, workflow_id: str, query: QueueQuery) -> Cursor | None:
    """The row named by `after` or `before`, when the page can be read from it: only in tabs of
    submitted requests, where every row has a date and a reference to be sorted by (drafts
    have neither, and databases order missing values differently)."""
    public_id = query.after or query.before
    if public_id is None or query.submitted is not True:
        return None
    found = db.execute(
        select(
            RequestRow.id, RequestRow.state, RequestRow.submitted_at, RequestRow.reference
        ).where(RequestRow.public_id == public_id, RequestRow.workflow_id == workflow_id)
    ).first()
    if found is None or found.submitted_at is None or found.reference is None:
        return None
    return Cursor(*found)


def has_cursor(db: Session, workflow_id: str, query: QueueQuery) -> bool:
    """Whether the row named by `after` or `before` can start a page of this query."""
    return _cursor(db, workflow_id, query) is not None


def _keyset_ids(
    db: Session,
    workflow_id: str,
    query: QueueQuery,
    cursor: Cursor,
    states: Sequence[str] | None = None,
) -> list[int]:
    """The page after (or before) the cursor's row in the query's order: a range of the
    index that the sort reads, from the cursor on: `(sort value, id) < (the cursor's)`."""
    forward = query.before is None
    descending = query.descending if forward else not query.descending
    by_reference = query.sort == "reference"
    column = RequestRow.reference if by_reference else RequestRow.submitted_at
    value = cursor.reference if by_reference else cursor.submitted_at
    key = tuple_(column, RequestRow.id)
    bound = tuple_(literal(value, column.type), literal(cursor.id))
    part = replace(query, descending=descending, offset=0)
    statement = page_ids_statement(workflow_id, part, states, dialect_of(db)).where(
        key < bound if descending else key > bound
    )
    ids = [i for (i,) in db.execute(statement)]
    return ids if forward else ids[::-1]


def _keyset_ids_by_state(
    db: Session,
    workflow_id: str,
    query: QueueQuery,
    shown: set[str],
    cursor: Cursor,
) -> list[int] | None:
    """Sorted by state, from the cursor: the rest of its state (newest first), then the next
    states from their start (or, going back, the previous ones from their end)."""
    ranked = _ranked(query, shown)
    if cursor.state not in ranked:
        return None
    at = ranked.index(cursor.state)
    within = replace(query, sort="submitted", descending=True)
    ids = _keyset_ids(db, workflow_id, within, cursor, (cursor.state,))
    plain = replace(within, after=None, before=None)
    dialect = dialect_of(db)
    if query.before is None:
        for state in ranked[at + 1 :]:
            wanted = query.limit - len(ids)
            if wanted <= 0:
                break
            part = replace(plain, offset=0, limit=wanted)
            ids += [
                i for (i,) in db.execute(page_ids_statement(workflow_id, part, (state,), dialect))
            ]
    else:
        for state in reversed(ranked[:at]):
            wanted = query.limit - len(ids)
            if wanted <= 0:
                break
            # The end of that state: read in the reverse order, then turned back.
            part = replace(plain, descending=False, offset=0, limit=wanted)
            statement = page_ids_statement(workflow_id, part, (state,), dialect)
            ids = [i for (i,) in db.execute(statement)][::-1] + ids
    return ids


def queue_page(
    db: Session,
    workflow_id: str,
    query: QueueQuery,
    counts: StateCounts | None = None,
    total: Total | None = None,
) -> QueuePage:
    """The counts per state and the total (unless given), then the ids of the page (read
    from the index alone), then those rows' columns: the rows skipped by the offset are never
    read. A page typed by its number farther than `reach` from both ends is not read: the
    caller offers the nearest one (`reachable_offset`)."""
    counts = state_counts(db, workflow_id, query) if counts is None else counts
    total = tab_total(db, workflow_id, query, counts) if total is None else total
    shown = shown_states(query, counts)
    if not counts.capped:
        shown &= {s for s, n in counts.by_state.items() if n}
    cursor = _cursor(db, workflow_id, query) if total.n else None
    keyset: list[int] | None = None
    if cursor is not None and query.sort == "state":
        keyset = _keyset_ids_by_state(db, workflow_id, query, shown, cursor)
    elif cursor is not None:
        keyset = _keyset_ids(db, workflow_id, query, cursor)
    if keyset is not None:
        ids = keyset
    elif not total.n or reachable_offset(query, total) != query.offset:
        ids = []
    elif query.sort == "state":
        ids = _ids_by_state(db, workflow_id, query, counts, shown)
    else:
        ids = _ids(db, workflow_id, query, None if total.capped else total.n)
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
