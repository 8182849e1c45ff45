"""Backoffice: the list of requests, generated from the workflow's spec (a tab per state
category with its count, a filter per reference list field of the wizard, search, sorting,
pages). Plain links and forms: nothing needs JavaScript."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from starlette.datastructures import QueryParams

from engine.compiled import CompiledWorkflow
from engine.process.actors import Actor, may_fire
from engine.service import request_list
from engine.service.removed_states import RemovedState, removed_states
from engine.spec.fields import ReferenceChoiceField, SessionField
from engine.spec.process import Transition
from engine.store.models import ReferenceEntryRow, TrainingSession

from ..params import Choice, DayText, Page, SearchText
from .access import Desk, ProcessDesk
from .request_words import (
    MAX_FILTER_ENTRIES,
    MAX_YEAR,
    MIN_YEAR,
    SORT_PARAMS,
    Say,
    Versions,
    actor_for,
    local_moment,
    number,
    say_for,
)

router = APIRouter(prefix="/backoffice/{workflow_id}")

# -- the queue: reading the address -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tab:
    id: str  # "" for every submitted request
    label: str
    states: tuple[str, ...]
    submitted: bool | None


def tabs_of(
    compiled: CompiledWorkflow, locale: str, say: Say, removed: Sequence[RemovedState] = ()
) -> list[Tab]:
    """ "All" (every state but the initial one: drafts are not requests yet), then one tab per
    category of the spec, in its order. States the current version removed but requests of an
    earlier one still sit in are in "All", and in their category's tab when it still exists."""
    process = compiled.spec.process
    initial = process.initial
    current = tuple(s.id for s in process.states if s.id != initial)
    tabs = [Tab("", say["tab_all"], current + tuple(r.id for r in removed), True)]
    for category in process.categories:
        states = tuple(s.id for s in process.states if s.category == category.id)
        states += tuple(r.id for r in removed if r.category == category.id)
        submitted = None if initial in states else True
        if states == (initial,):
            submitted = False
        tabs.append(Tab(category.id, compiled.text(category.label, locale), states, submitted))
    return tabs


_DATE_FR = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_day(value: str) -> date | None:
    """A date typed as jj/mm/aaaa, or sent by a date input (aaaa-mm-jj)."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    found = _DATE_FR.match(value)
    if found is None:
        raise ValueError(value)
    day, month, year = (int(g) for g in found.groups())
    return date(year, month, day)


def reference_filters(compiled: CompiledWorkflow) -> dict[str, ReferenceChoiceField]:
    return compiled.reference_fields()


@dataclass
class QueueState:
    """What the address asks for, validated: unknown values are ignored, never an error."""

    tab: Tab
    state: str | None
    session: str | None
    facets: dict[str, str]
    day_from: date | None
    day_to: date | None
    text: str
    sort: str  # date, reference, etat
    order: str  # asc, desc
    page: int
    problems: list[str]
    # Keyset pages: the public id of the row this page follows or precedes (request_list).
    after: str | None = None
    before: str | None = None

    def params(self, **changes: Any) -> dict[str, str]:
        """The address's parameters, with changes (None removes one). A change of page, tab,
        filter or order drops the row the page was read from, unless it names another."""
        values: dict[str, Any] = {
            "onglet": self.tab.id,
            "etat": self.state,
            "session": self.session,
            **{f"f_{k}": v for k, v in self.facets.items()},
            "du": self.day_from.isoformat() if self.day_from else None,
            "au": self.day_to.isoformat() if self.day_to else None,
            "q": self.text,
            "tri": None if self.sort == "date" else self.sort,
            "ordre": None if self.order == "desc" else self.order,
            "page": self.page if self.page > 1 else None,
            "apres": self.after,
            "avant": self.before,
        }
        if changes and not {"apres", "avant"} & set(changes):
            values.update(apres=None, avant=None)
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def removed_of(desk: Desk) -> list[RemovedState]:
    return removed_states(desk.db, desk.runtime.registry, desk.compiled, desk.locale)


def read_queue_state(
    desk: Desk, params: QueryParams, say: Say, removed: Sequence[RemovedState] = ()
) -> QueueState:
    compiled = desk.compiled
    tabs = tabs_of(compiled, desk.locale, say, removed)
    tab = next((t for t in tabs if t.id == params.get("onglet", "")), tabs[0])
    state = params.get("etat") or None
    if state not in tab.states:
        state = None
    session = (params.get("session") or "").strip()[:64] or None
    facets = {}
    for field_id in reference_filters(compiled):
        value = (params.get(f"f_{field_id}") or "").strip()[:64]
        if value:
            facets[field_id] = value
    problems = []
    days: list[date | None] = []
    for name in ("du", "au"):
        raw = (params.get(name) or "")[:40]
        try:
            day = parse_day(raw)
            if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValueError(raw)
            days.append(day)
        except ValueError:
            days.append(None)
            problems.append(say("bad_date", value=raw))
    sort = params.get("tri", "date")
    sort = sort if sort in SORT_PARAMS else "date"
    order = params.get("ordre", "desc")
    order = order if order in ("asc", "desc") else "desc"
    try:
        page = max(1, min(int(params.get("page", "1")), 10**6))
    except ValueError:
        page = 1
    text = " ".join((params.get("q") or "").split())[:200]
    after = (params.get("apres") or "").strip()[:64] or None
    before = None if after else (params.get("avant") or "").strip()[:64] or None
    return QueueState(
        tab,
        state,
        session,
        facets,
        days[0],
        days[1],
        text,
        sort,
        order,
        page,
        problems,
        after,
        before,
    )


def build_query(desk: Desk, view: QueueState) -> request_list.QueueQuery:
    zone = desk.runtime.zone
    start = end = None
    if view.day_from is not None:
        start = datetime.combine(view.day_from, time.min, zone)
    if view.day_to is not None:
        end = datetime.combine(view.day_to + timedelta(days=1), time.min, zone)
    reference = request_list.exact_reference(desk.db, desk.compiled.spec.id, view.text)
    return request_list.QueueQuery(
        states=view.tab.states,
        submitted=view.tab.submitted,
        state=view.state,
        session_code=view.session,
        facets=tuple(sorted(view.facets.items())),
        submitted_from=start,
        submitted_before=end,
        words=() if reference else request_list.search_words(view.text),
        reference=reference,
        sort=SORT_PARAMS[view.sort],
        descending=view.order == "desc",
        offset=(view.page - 1) * request_list.PAGE_SIZE,
        state_order=tuple(s.id for s in desk.compiled.spec.process.states),
        after=view.after,
        before=view.before,
    )


# -- the queue: the page ------------------------------------------------------------------------


def bulk_transitions(compiled: CompiledWorkflow, actor: Actor) -> list[Transition]:
    """The transitions the spec lets this user fire on many requests at once."""
    return [t for t in compiled.spec.process.transitions if t.bulk and may_fire(t, actor)]


def state_text(desk: Desk, say: Say, state: str, removed: Sequence[RemovedState]) -> str:
    """The state's label; a state of an earlier version only is marked as such."""
    if state in desk.compiled.states:
        return desk.text(desk.compiled.states[state].label)
    label = next((r.label for r in removed if r.id == state), state)
    return f"{label} ({say['old_version']})"


def _filter_choices(
    desk: Desk, view: QueueState, removed: Sequence[RemovedState] = ()
) -> dict[str, Any]:
    compiled = desk.compiled
    say = say_for(desk)
    fields = reference_filters(compiled)
    lists = {ref.id: ref for ref in compiled.spec.reference_lists}
    wanted = sorted({f.list for f in fields.values()})
    entries: dict[str, list[Any]] = {list_id: [] for list_id in wanted}
    if wanted:
        rows = desk.db.execute(
            select(
                ReferenceEntryRow.list_id,
                ReferenceEntryRow.entry_id,
                ReferenceEntryRow.label,
                ReferenceEntryRow.status,
            )
            .where(
                ReferenceEntryRow.workflow_id == compiled.spec.id,
                ReferenceEntryRow.list_id.in_(wanted),
            )
            .order_by(ReferenceEntryRow.list_id, ReferenceEntryRow.label)
        )
        for row in rows:
            if len(entries[row.list_id]) < MAX_FILTER_ENTRIES:
                entries[row.list_id].append(row)
    reference_selects = []
    for field_id, field in fields.items():
        ref = lists.get(field.list)
        statuses = {s.id: desk.text(s.label) for s in ref.statuses} if ref else {}
        flagged = field.not_found.status if field.not_found else None
        label = desk.text(ref.item_label) if ref and ref.item_label else desk.text(field.label)
        options = [
            {
                "value": row.entry_id,
                "label": row.label
                + (
                    f" ({statuses.get(flagged, flagged)})"
                    if flagged and row.status == flagged
                    else ""
                ),
                "selected": view.facets.get(field_id) == row.entry_id,
            }
            for row in entries.get(field.list, [])
        ]
        reference_selects.append({"name": f"f_{field_id}", "label": label, "options": options})
    sessions = []
    if any(isinstance(f, SessionField) for f in compiled.fields.values()):
        sessions = [
            {"value": code, "label": f"{code} — {title}", "selected": code == view.session}
            for code, title in desk.db.execute(
                select(TrainingSession.code, TrainingSession.title)
                .where(TrainingSession.workflow_id == compiled.spec.id)
                .order_by(TrainingSession.starts_at.desc())
            )
        ]
    return {
        "states": [
            {
                "value": s,
                "label": state_text(desk, say, s, removed),
                "selected": s == view.state,
            }
            for s in view.tab.states
        ],
        "sessions": sessions,
        "references": reference_selects,
    }


def queue_response(
    desk: Desk,
    params: QueryParams,
    *,
    report: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    say = say_for(desk)
    compiled = desk.compiled
    removed = removed_of(desk)
    view = read_queue_state(desk, params, say, removed)
    query = build_query(desk, view)
    workflow_id = compiled.spec.id
    counts = request_list.state_counts(desk.db, workflow_id, query)
    total = request_list.tab_total(desk.db, workflow_id, query, counts)
    # Over the cap, the number of pages is not known: "next" goes on while pages are full.
    pages = None if total.capped else max(1, math.ceil(total.n / request_list.PAGE_SIZE))
    if pages is not None and view.page > pages:
        view.page, view.after, view.before = pages, None, None
        query = build_query(desk, view)
    if view.after is None and view.before is None:
        reachable = request_list.reachable_offset(query, total)
        if reachable != query.offset:  # too far from both ends to be read by its number
            asked = view.page
            view.page = reachable // request_list.PAGE_SIZE + 1
            view.problems.append(say("page_too_far", asked=number(desk, asked), page=view.page))
            query = build_query(desk, view)
    page = request_list.queue_page(desk.db, workflow_id, query, counts=counts, total=total)
    versions = Versions(desk)
    drafts = request_list.draft_names(desk.db, versions, page.rows)
    actor = actor_for(desk)
    bulk = bulk_transitions(compiled, actor)
    shown_states = {r.state for r in page.rows}
    bulk_here = [t for t in bulk if shown_states & set(t.source)]
    bulk_sources = {s for t in bulk_here for s in t.source}
    base = desk.base
    rows = []
    for r in page.rows:
        name, email = r.applicant_name, r.applicant_email
        if r.id in drafts:
            name, email = drafts[r.id]
        key = r.reference or r.public_id
        rows.append(
            {
                "key": key,
                "reference": r.reference,
                "href": f"{base}/demandes/{quote(key, safe='')}",
                "name": name or "",
                "email": email or "",
                "session": r.session_code or "",
                "state": versions.state_label(r.state, r.spec_hash),
                "old_version": r.state not in compiled.states,
                "submitted": local_moment(desk, r.submitted_at),
                "selectable": bool(r.reference) and r.state in bulk_sources,
                "value": f"{r.reference}:{r.version}",
            }
        )

    def href(**changes: Any) -> str:
        encoded = urlencode(view.params(**changes))
        return f"{base}/demandes" + (f"?{encoded}" if encoded else "")

    current = view.tab if view.state is None else None  # its total is the tab's count
    tabs = [
        {
            "label": tab.label,
            "count": _tab_count(desk, say, counts, tab, total if tab == current else None),
            "href": href(onglet=tab.id or None, etat=None, page=None),
            "current": tab.id == view.tab.id,
        }
        for tab in tabs_of(compiled, desk.locale, say, removed)
    ]
    sort_links = {}
    for sort in SORT_PARAMS:
        current = view.sort == sort
        if current:
            order = "asc" if view.order == "desc" else "desc"
        else:
            order = "desc" if sort == "date" else "asc"
        sort_links[sort] = {
            "href": href(tri=sort if sort != "date" else None, ordre=order, page=None),
            "current": current,
            "aria": ("ascending" if view.order == "asc" else "descending") if current else None,
            "hint": say["sorted_asc" if view.order == "asc" else "sorted_desc"] if current else "",
        }
    # Next and previous read the page from the row beside it (keyset), not from an offset;
    # the page number only says where the page stands.
    previous = next_page = None
    if view.page > 2 and page.rows:
        previous = href(page=view.page - 1, avant=page.rows[0].public_id, apres=None)
    elif view.page > 1:
        previous = href(page=None)
    more = len(page.rows) == request_list.PAGE_SIZE if pages is None else view.page < pages
    if more:
        after = page.rows[-1].public_id if page.rows else None
        next_page = href(page=view.page + 1, apres=after, avant=None)
    pager = {
        "n": view.page,
        "pages": pages,
        "shown": bool(previous or next_page),
        "first": href(page=None) if view.page > 1 else None,
        "previous": previous,
        "next": next_page,
        "last": href(page=pages) if pages is not None and view.page < pages else None,
    }
    hidden = view.params(page=None)
    return desk.page(
        "backoffice/queue.html",
        status=status,
        title=desk.words["bo_requests"],
        say=say,
        view=view,
        tabs=tabs,
        current_tab=view.tab,
        choices=_filter_choices(desk, view, removed),
        rows=rows,
        range_text=say(
            "range_more" if total.capped else "range",
            first=number(desk, page.first),
            last=number(desk, page.last),
            total=number(desk, total.n),
        )
        if page.rows
        else "",
        total=total.n,
        pager=pager,
        sort_links=sort_links,
        bulk=[{"id": t.id, "label": desk.text(t.label)} for t in bulk_here],
        retour=href(),
        hidden_filters=hidden,
        reset_href=href(
            etat=None,
            session=None,
            du=None,
            au=None,
            q=None,
            tri=None,
            ordre=None,
            page=None,
            **{f"f_{k}": None for k in view.facets},
        ),
        report=report,
        bulk_confirm=None,
    )


def _tab_count(
    desk: Desk,
    say: Say,
    counts: request_list.StateCounts,
    tab: Tab,
    total: request_list.Total | None,
) -> str | None:
    """A tab's count under the filters: exact, "more than 5,000", or None (not counted: the
    filters keep more than 5,000 requests and this tab holds only some of them)."""
    if not counts.capped:
        return number(desk, sum(counts.by_state.get(s, 0) for s in tab.states))
    if total is not None:  # the current tab, counted on its own
        shown = number(desk, total.n)
        return say("more_than", n=shown) if total.capped else shown
    if counts.covers(set(tab.states)):
        return say("more_than", n=number(desk, request_list.COUNT_CAP))
    return None


class QueueAddress(BaseModel):
    """The queue's query parameters, bounded before the page reads them: `read_queue_state`
    reads them (and the address a bulk form came back from), ignoring unknown values. The
    filters of reference list fields (`f_<field>`) depend on the spec; that reader bounds them."""

    onglet: Choice = ""
    etat: Choice = ""
    session: Choice = ""
    du: DayText = ""
    au: DayText = ""
    q: SearchText = ""
    tri: Choice = ""
    ordre: Choice = ""
    page: Page = 1
    apres: Choice = ""
    avant: Choice = ""


@router.get("/demandes", response_class=HTMLResponse)
def queue(desk: ProcessDesk, _address: Annotated[QueueAddress, Query()]) -> HTMLResponse:
    return queue_response(desk, desk.request.query_params)
