"""Backoffice: the queue of requests, generated from the workflow's spec (a tab per state
category with its count, a filter per reference list field of the wizard, search, sorting,
pages), transitions fired on many requests at once where the spec allows it, and the page of
one request (answers by wizard step, reference entries, history, mails, documents, and the
transitions this user may fire). Plain links and forms: nothing needs JavaScript."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.datastructures import FormData, QueryParams

from engine.compiled import CompiledWorkflow
from engine.process.actors import Actor, may_fire
from engine.process.firing import (
    CommentRequired,
    ConditionNotMet,
    FireError,
    NotAllowed,
    NotFromThisState,
    UnknownTransition,
)
from engine.service import request_detail, request_list
from engine.service.request_columns import applicant_name
from engine.service.requests import Conflict, RequestService
from engine.spec.fields import ReferenceChoiceField, SessionField
from engine.spec.process import Transition
from engine.store.models import ReferenceEntryRow, RequestRow, TrainingSession
from engine.wizard.display import display_answers

from ..deps import form_of
from ..forms import form_text
from ..guard import clean_part
from ..params import Choice, DayText, Page, Reference, RowId, SearchText, SpecId
from .access import Desk, ProcessDesk

router = APIRouter(prefix="/backoffice/{workflow_id}")

MAX_BULK = 500
MAX_COMMENT = 5000
MAX_FILTER_ENTRIES = 1000
SORT_PARAMS = {"date": "submitted", "reference": "reference", "etat": "state"}
MIN_YEAR, MAX_YEAR = 1900, 2999  # dates outside are typing mistakes
# The bulk form: up to MAX_BULK requests ticked, with their versions. A transition's form: a
# comment and a confirmation.
BulkForm = Annotated[FormData, Depends(form_of(max_fields=MAX_BULK * 2 + 20))]
ActionForm = Annotated[FormData, Depends(form_of(max_fields=20))]

# Words of these pages; the spec gives every label of the workflow itself.
WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "tabs": "Catégories de demandes",
        "tab_all": "Toutes",
        "filters": "Filtres",
        "state": "État",
        "all_states": "Tous les états",
        "session": "Session",
        "all_sessions": "Toutes les sessions",
        "all_entries": "Indifférent",
        "submitted_from": "Envoyées depuis le",
        "submitted_to": "Envoyées jusqu'au",
        "search": "Rechercher",
        "search_help": "Référence, nom ou adresse électronique ; majuscules et accents "
        "indifférents.",
        "sort": "Trier par",
        "sort_submitted": "Date d'envoi",
        "sort_reference": "Référence",
        "sort_state": "État",
        "order": "Ordre",
        "desc": "Décroissant",
        "asc": "Croissant",
        "apply": "Filtrer",
        "reset": "Effacer les filtres",
        "range": "{first}–{last} sur {total}",
        "empty": "Aucune demande ne correspond à ces critères.",
        "col_reference": "Référence",
        "col_applicant": "Demandeur",
        "col_session": "Session",
        "col_state": "État",
        "col_submitted": "Envoyée le",
        "col_select": "Sélection",
        "select_one": "Sélectionner la demande {reference}",
        "sorted_asc": "tri croissant",
        "sorted_desc": "tri décroissant",
        "draft": "(brouillon)",
        "pages": "Pages",
        "first_page": "Première page",
        "previous_page": "Page précédente",
        "next_page": "Page suivante",
        "last_page": "Dernière page",
        "page_of": "Page {n} sur {total}",
        "bad_date": "Date non reconnue : « {value} » (attendu : jj/mm/aaaa). Ce filtre est ignoré.",
        "bulk_legend": "Action groupée sur les demandes cochées",
        "bulk_transition": "Action",
        "bulk_apply": "Appliquer aux demandes cochées",
        "bulk_title": "Action groupée",
        "bulk_none": "Cochez au moins une demande, puis choisissez l'action.",
        "bulk_unknown": "Cette action ne peut pas être appliquée à plusieurs demandes.",
        "bulk_question": "Appliquer « {label} » à {n} demande(s) ?",
        "bulk_confirm": "Confirmer et appliquer",
        "bulk_done": "Effectuée pour {n} demande(s)",
        "bulk_refused": "Refusée pour {n} demande(s)",
        "back_to_queue": "Retour aux demandes",
        "not_found_request": "Cette demande n'existe pas.",
        "request_title": "Demande {reference}",
        "draft_title": "Brouillon de demande",
        "applicant": "Demandeur",
        "submitted_on": "Envoyée le",
        "created_on": "Commencée le",
        "answers": "Réponses",
        "no_answer": "—",
        "entries": "Entrées des listes de référence",
        "entry_status": "Statut",
        "history": "Historique",
        "no_history": "Aucun changement d'état pour l'instant.",
        "h_comment": "Commentaire",
        "actor_applicant": "le demandeur",
        "actor_link": "lien envoyé par courriel",
        "actor_timer": "automatique (délai)",
        "mails": "Courriels",
        "no_mails": "Aucun courriel pour cette demande.",
        "m_when": "Créé le",
        "m_template": "Modèle",
        "m_subject": "Objet",
        "m_recipients": "Destinataires",
        "m_status": "Statut",
        "m_cc": "copie :",
        "m_redirected": "redirigé vers :",
        "status_queued": "en file",
        "status_sent": "envoyé",
        "status_failed": "échec",
        "status_redirected": "redirigé (mode test)",
        "documents": "Documents",
        "no_documents": "Aucun document pour cette demande.",
        "download": "Télécharger {filename}",
        "actions": "Actions",
        "no_action": "Aucune action ne vous est possible sur cette demande pour le moment.",
        "confirm_check": "Je confirme",
        "confirm_missing": "Cochez « Je confirme » pour effectuer cette action.",
        "comment_missing": "Le champ « {label} » est obligatoire.",
        "done": "« {label} » : c'est fait.",
        "conflict": "Quelqu'un d'autre a modifié cette demande pendant que vous la consultiez : "
        "rien n'a été appliqué. Voici son état actuel ; vérifiez-le avant de recommencer.",
        "not_from_state": "La demande est à l'état « {state} » : cette action n'y est pas "
        "possible.",
        "not_allowed": "Vos rôles ne vous permettent pas cette action.",
        "unknown_transition": "Cette action n'existe pas pour cette demande.",
        "form_expired": "Le formulaire a expiré : rechargez la page et recommencez.",
        "unknown_state": "état inconnu ({state})",
    },
    "en": {
        "tabs": "Request categories",
        "tab_all": "All",
        "filters": "Filters",
        "state": "State",
        "all_states": "All states",
        "session": "Session",
        "all_sessions": "All sessions",
        "all_entries": "Any",
        "submitted_from": "Sent from",
        "submitted_to": "Sent until",
        "search": "Search",
        "search_help": "Reference, name or email address; case and accents do not matter.",
        "sort": "Sort by",
        "sort_submitted": "Date sent",
        "sort_reference": "Reference",
        "sort_state": "State",
        "order": "Order",
        "desc": "Descending",
        "asc": "Ascending",
        "apply": "Filter",
        "reset": "Clear the filters",
        "range": "{first}–{last} of {total}",
        "empty": "No request matches.",
        "col_reference": "Reference",
        "col_applicant": "Applicant",
        "col_session": "Session",
        "col_state": "State",
        "col_submitted": "Sent on",
        "col_select": "Selection",
        "select_one": "Select request {reference}",
        "sorted_asc": "ascending",
        "sorted_desc": "descending",
        "draft": "(draft)",
        "pages": "Pages",
        "first_page": "First page",
        "previous_page": "Previous page",
        "next_page": "Next page",
        "last_page": "Last page",
        "page_of": "Page {n} of {total}",
        "bad_date": "Date not understood: “{value}” (expected dd/mm/yyyy). Filter ignored.",
        "bulk_legend": "Action on the ticked requests",
        "bulk_transition": "Action",
        "bulk_apply": "Apply to the ticked requests",
        "bulk_title": "Action on several requests",
        "bulk_none": "Tick at least one request, then choose the action.",
        "bulk_unknown": "This action cannot be applied to several requests.",
        "bulk_question": "Apply “{label}” to {n} request(s)?",
        "bulk_confirm": "Confirm and apply",
        "bulk_done": "Done for {n} request(s)",
        "bulk_refused": "Refused for {n} request(s)",
        "back_to_queue": "Back to the requests",
        "not_found_request": "This request does not exist.",
        "request_title": "Request {reference}",
        "draft_title": "Draft request",
        "applicant": "Applicant",
        "submitted_on": "Sent on",
        "created_on": "Started on",
        "answers": "Answers",
        "no_answer": "—",
        "entries": "Reference list entries",
        "entry_status": "Status",
        "history": "History",
        "no_history": "No state change yet.",
        "h_comment": "Comment",
        "actor_applicant": "the applicant",
        "actor_link": "link sent by email",
        "actor_timer": "automatic (delay)",
        "mails": "Mails",
        "no_mails": "No mail for this request.",
        "m_when": "Created",
        "m_template": "Template",
        "m_subject": "Subject",
        "m_recipients": "Recipients",
        "m_status": "Status",
        "m_cc": "cc:",
        "m_redirected": "redirected to:",
        "status_queued": "queued",
        "status_sent": "sent",
        "status_failed": "failed",
        "status_redirected": "redirected (test mode)",
        "documents": "Documents",
        "no_documents": "No document for this request.",
        "download": "Download {filename}",
        "actions": "Actions",
        "no_action": "There is nothing you can do on this request at the moment.",
        "confirm_check": "I confirm",
        "confirm_missing": "Tick “I confirm” to do this.",
        "comment_missing": "“{label}” is required.",
        "done": "“{label}”: done.",
        "conflict": "Someone else changed this request while you were looking at it: nothing "
        "was applied. Here is its current state; check it before trying again.",
        "not_from_state": "The request is in state “{state}”: this action is not possible there.",
        "not_allowed": "Your roles do not allow this action.",
        "unknown_transition": "This action does not exist for this request.",
        "form_expired": "The form expired: reload the page and try again.",
        "unknown_state": "unknown state ({state})",
    },
}


class Say:
    """`say["key"]` or `say("key", n=3)`, in the workflow's language."""

    def __init__(self, locale: str) -> None:
        self.table = WORDS.get(locale, WORDS["fr"])

    def __getitem__(self, key: str) -> str:
        return self.table.get(key) or WORDS["fr"][key]

    def __call__(self, key: str, **values: object) -> str:
        return self[key].format(**values)


def say_for(desk: Desk) -> Say:
    return Say(desk.locale)


def local_moment(desk: Desk, moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(desk.runtime.zone)
    return local.strftime("%d/%m/%Y %H:%M" if desk.locale == "fr" else "%Y-%m-%d %H:%M")


def number(desk: Desk, n: int) -> str:
    """12 345 in French (narrow no-break space), 12,345 in English."""
    return f"{n:,}".replace(",", "\u202f" if desk.locale == "fr" else ",")


def actor_for(desk: Desk) -> Actor:
    return Actor.user(desk.staff.account.email, desk.staff.roles_in(desk.compiled))


class Versions:
    """The compiled workflow each request is pinned to, looked up once per page."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.found = {desk.compiled.content_hash: desk.compiled}

    def __call__(self, spec_hash: str) -> CompiledWorkflow:
        if spec_hash not in self.found:
            self.found[spec_hash] = self.desk.runtime.registry.version(self.desk.db, spec_hash)
        return self.found[spec_hash]

    def state_label(self, state: str, spec_hash: str | None = None) -> str:
        for compiled in (self.desk.compiled, self(spec_hash) if spec_hash else None):
            if compiled is not None and state in compiled.states:
                return compiled.text(compiled.states[state].label, self.desk.locale)
        return say_for(self.desk)("unknown_state", state=state)


# -- the queue: reading the address -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tab:
    id: str  # "" for every submitted request
    label: str
    states: tuple[str, ...]
    submitted: bool | None


def tabs_of(compiled: CompiledWorkflow, locale: str, say: Say) -> list[Tab]:
    """ "All" (every state but the initial one: drafts are not requests yet), then one tab per
    category of the spec, in its order."""
    process = compiled.spec.process
    initial = process.initial
    tabs = [Tab("", say["tab_all"], tuple(s.id for s in process.states if s.id != initial), True)]
    for category in process.categories:
        states = tuple(s.id for s in process.states if s.category == category.id)
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

    def params(self, **changes: Any) -> dict[str, str]:
        """The address's parameters, with changes (None removes one)."""
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
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def read_queue_state(desk: Desk, params: QueryParams, say: Say) -> QueueState:
    compiled = desk.compiled
    tabs = tabs_of(compiled, desk.locale, say)
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
    return QueueState(
        tab, state, session, facets, days[0], days[1], text, sort, order, page, problems
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
    )


# -- the queue: the page ------------------------------------------------------------------------


def bulk_transitions(compiled: CompiledWorkflow, actor: Actor) -> list[Transition]:
    """The transitions the spec lets this user fire on many requests at once."""
    return [t for t in compiled.spec.process.transitions if t.bulk and may_fire(t, actor)]


def _filter_choices(desk: Desk, view: QueueState) -> dict[str, Any]:
    compiled = desk.compiled
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
            {"value": s, "label": desk.text(compiled.states[s].label), "selected": s == view.state}
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
    view = read_queue_state(desk, params, say)
    query = build_query(desk, view)
    workflow_id = compiled.spec.id
    counts = request_list.state_counts(desk.db, workflow_id, query)
    total = sum(counts.get(s, 0) for s in view.tab.states if view.state in (None, s))
    pages = max(1, math.ceil(total / request_list.PAGE_SIZE))
    if view.page > pages:
        view.page = pages
        query = build_query(desk, view)
    page = request_list.queue_page(desk.db, workflow_id, query, counts=counts)
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
                "submitted": local_moment(desk, r.submitted_at),
                "selectable": bool(r.reference) and r.state in bulk_sources,
                "value": f"{r.reference}:{r.version}",
            }
        )

    def href(**changes: Any) -> str:
        encoded = urlencode(view.params(**changes))
        return f"{base}/demandes" + (f"?{encoded}" if encoded else "")

    tabs = [
        {
            "label": tab.label,
            "count": number(desk, sum(counts.get(s, 0) for s in tab.states)),
            "href": href(onglet=tab.id or None, etat=None, page=None),
            "current": tab.id == view.tab.id,
        }
        for tab in tabs_of(compiled, desk.locale, say)
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
    pager = {
        "n": view.page,
        "pages": pages,
        "first": href(page=None) if view.page > 1 else None,
        "previous": href(page=view.page - 1 if view.page > 2 else None) if view.page > 1 else None,
        "next": href(page=view.page + 1) if view.page < pages else None,
        "last": href(page=pages) if view.page < pages else None,
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
        choices=_filter_choices(desk, view),
        rows=rows,
        range_text=say(
            "range",
            first=number(desk, page.first),
            last=number(desk, page.last),
            total=number(desk, total),
        )
        if page.rows
        else "",
        total=total,
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


@router.get("/demandes", response_class=HTMLResponse)
def queue(desk: ProcessDesk, _address: Annotated[QueueAddress, Query()]) -> HTMLResponse:
    return queue_response(desk, desk.request.query_params)


# -- bulk transitions ---------------------------------------------------------------------------


def _return_params(desk: Desk, form: FormData) -> QueryParams:
    """The queue's address the bulk form came from (only ever this queue)."""
    back = form_text(form, "_retour", 2000)
    prefix = f"{desk.base}/demandes"
    if back != prefix and not back.startswith(prefix + "?"):
        return QueryParams("")
    query = back[len(prefix) + 1 :]
    # Only what the queue's own address may hold: the guard refuses the rest before routing.
    return QueryParams(query if clean_part(query.encode()) else "")


def _selected(form: FormData) -> list[tuple[str, int]]:
    items: list[tuple[str, int]] = []
    seen: set[str] = set()
    for value in form.getlist("selection")[: MAX_BULK * 2]:
        if not isinstance(value, str) or ":" not in value:
            continue
        reference, _, version = value.rpartition(":")
        if reference in seen or not reference or len(reference) > 80:
            continue
        try:
            items.append((reference, int(version)))
        except ValueError:
            continue
        seen.add(reference)
    return items[:MAX_BULK]


def refusal(say: Say, error: Exception, versions: Versions, row: RequestRow | None) -> str:
    """Why a transition was not fired, for people, in the workflow's language."""
    if isinstance(error, Conflict):
        return say["conflict"]
    if isinstance(error, NotFromThisState) and row is not None:
        return say("not_from_state", state=versions.state_label(row.state, row.spec_hash))
    if isinstance(error, NotAllowed):
        return say["not_allowed"]
    if isinstance(error, UnknownTransition):
        return error.message if error.message == say["bulk_unknown"] else say["unknown_transition"]
    if isinstance(error, ConditionNotMet | CommentRequired):
        return error.message
    return getattr(error, "message", str(error))


@router.post("/demandes/lot", response_class=HTMLResponse)
def bulk(desk: ProcessDesk, form: BulkForm) -> HTMLResponse:
    say = say_for(desk)
    back = _return_params(desk, form)
    if not desk.csrf_ok(form):
        return queue_response(desk, back, report={"error": say["form_expired"]}, status=400)
    actor = actor_for(desk)
    transitions = {t.id: t for t in bulk_transitions(desk.compiled, actor)}
    transition = transitions.get(form_text(form, "transition", 64))
    items = _selected(form)
    if transition is None:
        return queue_response(desk, back, report={"error": say["bulk_unknown"]}, status=422)
    if not items:
        return queue_response(desk, back, report={"error": say["bulk_none"]}, status=422)
    comment = form_text(form, "comment", MAX_COMMENT).strip()
    label = desk.text(transition.label)
    comment_label = (
        desk.text(transition.comment.label) if transition.comment else desk.words["comment"]
    )
    error = ""
    if form_text(form, "_confirmer", 10) == "oui":
        if transition.comment is not None and transition.comment.required and not comment:
            error = say("comment_missing", label=comment_label)
        else:
            return _bulk_fire(desk, back, transition, items, comment or None)
    # The confirmation step: what will be done, to which requests, with the comment asked.
    versions = Versions(desk)
    references = [reference for reference, _ in items]
    found = {
        row.reference: row
        for row in desk.db.execute(
            select(
                RequestRow.reference,
                RequestRow.applicant_name,
                RequestRow.state,
                RequestRow.spec_hash,
            ).where(
                RequestRow.workflow_id == desk.compiled.spec.id,
                RequestRow.reference.in_(references),
            )
        )
    }
    listed = [
        {
            "reference": reference,
            "value": f"{reference}:{version}",
            "name": (found[reference].applicant_name or "") if reference in found else "",
            "state": versions.state_label(found[reference].state, found[reference].spec_hash)
            if reference in found
            else "",
        }
        for reference, version in items
    ]
    return desk.page(
        "backoffice/queue.html",
        status=422 if error else 200,
        title=f"{desk.words['error_prefix']} {say['bulk_title']}" if error else say["bulk_title"],
        say=say,
        bulk_confirm={
            "transition": transition.id,
            "question": say("bulk_question", label=label, n=len(items)),
            "confirm": desk.text(transition.confirm) if transition.confirm else "",
            "comment": transition.comment is not None,
            "comment_required": bool(transition.comment and transition.comment.required),
            "comment_label": comment_label,
            "comment_value": comment,
            "danger": transition.style == "danger",
            "items": listed,
            "error": error,
            "retour": f"{desk.base}/demandes" + (f"?{back}" if str(back) else ""),
        },
    )


def _bulk_fire(
    desk: Desk,
    back: QueryParams,
    transition: Transition,
    items: list[tuple[str, int]],
    comment: str | None,
) -> HTMLResponse:
    """Each request fired in its own transaction, with the version the operator saw."""
    say = say_for(desk)
    db = desk.db
    service = RequestService(db, desk.runtime)
    actor = actor_for(desk)
    versions = Versions(desk)
    done: list[dict[str, str]] = []
    refused: list[dict[str, str]] = []
    workflow_id = desk.compiled.spec.id
    for reference, version in items:
        row = request_detail.find_request(db, workflow_id, reference)
        if row is None:
            refused.append({"reference": reference, "reason": say["not_found_request"]})
            continue
        compiled = service.compiled_for(row)
        spec = compiled.process.transitions.get(transition.id)
        try:
            if spec is None or not spec.bulk:  # a request pinned to an older version
                raise UnknownTransition(say["bulk_unknown"], transition.id)
            service.fire(row, compiled, transition.id, actor, comment, expected_version=version)
            done.append({"reference": reference, "href": _request_href(desk, reference)})
        except (FireError, Conflict) as error:
            reason = refusal(say, error, versions, row)
            refused.append(
                {
                    "reference": reference,
                    "href": _request_href(desk, reference),
                    "reason": reason,
                }
            )
    report = {
        "label": desk.text(transition.label),
        "done": done,
        "refused": refused,
        "done_title": say("bulk_done", n=len(done)),
        "refused_title": say("bulk_refused", n=len(refused)),
    }
    return queue_response(desk, back, report=report)


# -- one request --------------------------------------------------------------------------------


def _request_href(desk: Desk, key: str) -> str:
    return f"{desk.base}/demandes/{quote(key, safe='')}"


def _actor_text(desk: Desk, say: Say, kind: str, name: str) -> str:
    if kind == "applicant":
        return f"{say['actor_applicant']}" + (f" ({name})" if name else "")
    if kind == "link":
        return say["actor_link"]
    if kind == "timer":
        return say["actor_timer"]
    return name


def _value_text(desk: Desk, list_field: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    if list_field.type == "boolean":
        return desk.words["yes"] if value else desk.words["no"]
    return str(value)


def _entries_view(
    desk: Desk, compiled: CompiledWorkflow, entries: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The entries chosen in reference list fields, their status (flagged when it is the one
    the field gives entries described by applicants: "not referenced") and their values."""
    lists = {ref.id: ref for ref in compiled.spec.reference_lists}
    found = []
    for field_id, field in compiled.reference_fields().items():
        entry = entries.get(field_id)
        ref = lists.get(field.list)
        if not entry or ref is None or not (ref.fields or ref.statuses):
            continue  # a bare choice: the answers show it already
        statuses = {s.id: compiled.text(s.label, desk.locale) for s in ref.statuses}
        status = entry.get("status")
        flagged = field.not_found is not None and status == field.not_found.status
        details = []
        for column in ref.fields:
            value = entry.get(column.id)
            if column.type == "reference" and isinstance(value, str) and column.list in lists:
                # An entry of another list (a type...): its label as the spec gives it.
                sub = next((e for e in lists[column.list].entries if e.id == value), None)
                value = compiled.text(sub.label, desk.locale) if sub else value
            text = _value_text(desk, column, value)
            if text:
                details.append((compiled.text(column.label, desk.locale), text))
        found.append(
            {
                "field": compiled.text(field.label, desk.locale),
                "list": compiled.text(ref.item_label or ref.label, desk.locale),
                "label": entry.get("label") or entry.get("id") or "",
                "status": statuses.get(status or "", status or ""),
                "flagged": flagged,
                "details": details,
            }
        )
    return found


def _answers_view(
    desk: Desk, service: RequestService, row: RequestRow, compiled: CompiledWorkflow
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    extras = service.extras(row, compiled)
    entries = extras["entries"]
    display = display_answers(
        compiled.fields, row.answers, desk.locale, compiled.spec.locale, entries
    )
    session = extras["session"]
    steps = []
    for step in compiled.wizard.visible_steps(row.answers, extras):
        items = []
        for field in compiled.wizard.visible_fields(step, row.answers, extras):
            spec = field.spec
            label = getattr(spec, "label", None)
            if not spec.has_answer or label is None:
                continue
            value = display.get(spec.id, "")
            if isinstance(spec, SessionField) and session:
                value = f"{value} — {session.get('title', '')}"
            items.append({"label": compiled.text(label, desk.locale), "value": value})
        if items:
            steps.append({"title": compiled.text(step.spec.title, desk.locale), "items": items})
    return steps, entries


def request_response(
    desk: Desk,
    row: RequestRow,
    *,
    status: int = 200,
    error: str = "",
    notice: str = "",
    failed: str | None = None,
    error_on: str | None = None,
    typed: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The request's page; `error` concerns the transition `failed`, and its `error_on`
    control ("comment" or "confirm") when the message is about one."""
    say = say_for(desk)
    db = desk.db
    service = RequestService(db, desk.runtime)
    versions = Versions(desk)
    compiled = versions(row.spec_hash)
    steps, entries = _answers_view(desk, service, row, compiled)
    roles = {r.id: compiled.text(r.label, desk.locale) for r in compiled.spec.roles}
    transitions = compiled.process.transitions
    history = [
        {
            "when": local_moment(desk, h.at),
            "who": _actor_text(desk, say, h.actor_kind, h.actor_name),
            "role": roles.get(h.role or "", h.role or ""),
            "transition": compiled.text(transitions[h.transition].label, desk.locale)
            if h.transition in transitions
            else h.transition,
            "from": versions.state_label(h.from_state, row.spec_hash),
            "to": versions.state_label(h.to_state, row.spec_hash),
            "changed": h.from_state != h.to_state,
            "comment": h.comment or "",
        }
        for h in request_detail.history_of(db, row.id)
    ]
    mails = [
        {
            "when": local_moment(desk, m.created_at),
            "template": m.template,
            "subject": m.subject,
            "href": f"{desk.base}/courriels/{m.id}",
            "to": ", ".join(m.to),
            "cc": ", ".join(m.cc),
            "redirected": ", ".join(m.redirected_to or []),
            "status": say[f"status_{m.status}"]
            if f"status_{m.status}" in WORDS["fr"]
            else m.status,
            "status_id": m.status,
            "error": m.last_error or "",
        }
        for m in request_detail.mails_of(db, row.id)
    ]
    key = row.reference or row.public_id
    documents = [
        {
            "href": f"{_request_href(desk, key)}/documents/{d.id}",
            "filename": d.filename,
            "title": compiled.text(compiled.documents[d.document_id].title, desk.locale)
            if d.document_id in compiled.documents and compiled.documents[d.document_id].title
            else d.document_id,
            "when": local_moment(desk, d.created_at),
            "size": f"{max(1, round(d.size / 1024))} {'Kio' if desk.locale == 'fr' else 'KiB'}",
        }
        for d in request_detail.documents_of(db, row.id)
    ]
    actions = []
    typed = typed or {}
    for available in service.available(row, compiled, actor_for(desk)):
        t = available.transition
        comment_label = (
            compiled.text(t.comment.label, desk.locale) if t.comment else desk.words["comment"]
        )
        actions.append(
            {
                "id": t.id,
                "label": compiled.text(t.label, desk.locale),
                "href": f"{_request_href(desk, key)}/transitions/{t.id}",
                "enabled": available.enabled,
                "reason": available.reason or "",
                "confirm": compiled.text(t.confirm, desk.locale) if t.confirm else "",
                "comment": t.comment is not None,
                "comment_required": bool(t.comment and t.comment.required),
                "comment_label": comment_label,
                "comment_value": typed.get("comment", "") if failed == t.id else "",
                "style": t.style,
                "error": error if failed == t.id else "",
                "error_on": error_on if failed == t.id else None,
                "confirmed": failed == t.id and typed.get("confirmed") == "oui",
            }
        )
    state_spec = compiled.states.get(row.state)
    session = service.session_of(row, compiled)
    title = say("request_title", reference=row.reference) if row.reference else say["draft_title"]
    target = f"{error_on}-{failed}" if error and error_on and failed else None
    return desk.page(
        "backoffice/request.html",
        status=status,
        title=f"{desk.words['error_prefix']} {title}" if target else title,
        error_target=target,
        say=say,
        heading=title,
        reference=row.reference,
        key=key,
        state_label=versions.state_label(row.state, row.spec_hash),
        state_description=compiled.text(state_spec.description, desk.locale)
        if state_spec and state_spec.description
        else "",
        applicant=row.applicant_name or applicant_name(compiled, row.answers or {}) or "",
        email=row.applicant_email or (row.answers or {}).get(compiled.spec.applicant.email) or "",
        session=session,
        submitted=local_moment(desk, row.submitted_at),
        created=local_moment(desk, row.created_at),
        version=row.version,
        steps=steps,
        entries=_entries_view(desk, compiled, entries),
        history=history,
        mails=mails,
        documents=documents,
        actions=actions,
        error=error,
        notice=notice,
        back=f"{desk.base}/demandes",
    )


def _not_found(desk: Desk) -> HTMLResponse:
    say = say_for(desk)
    return desk.page(
        "backoffice/request.html",
        status=404,
        title=say["not_found_request"],
        say=say,
        heading=say["not_found_request"],
        missing=True,
        back=f"{desk.base}/demandes",
    )


@router.get("/demandes/{reference}", response_class=HTMLResponse)
def request_page(desk: ProcessDesk, reference: Reference) -> HTMLResponse:
    row = request_detail.find_request(desk.db, desk.compiled.spec.id, reference)
    if row is None:
        return _not_found(desk)
    notice = desk.request.session.pop("bo_notice", None)
    return request_response(desk, row, notice=notice if isinstance(notice, str) else "")


@router.post("/demandes/{reference}/transitions/{transition_id}", response_class=HTMLResponse)
def fire_transition(
    desk: ProcessDesk,
    reference: Reference,
    transition_id: SpecId,
    form: ActionForm,
) -> Response:
    say = say_for(desk)
    db = desk.db
    workflow_id = desk.compiled.spec.id
    typed = {
        "comment": form_text(form, "comment", MAX_COMMENT),
        "confirmed": form_text(form, "_confirme", 10),
    }
    if not desk.csrf_ok(form):
        row = request_detail.find_request(db, workflow_id, reference)
        if row is None:
            return _not_found(desk)
        return request_response(desk, row, status=400, error=say["form_expired"])
    # Two people firing at once: the service writes only over the version the operator saw,
    # so the second one gets the conflict message.
    row = request_detail.find_request(db, workflow_id, reference)
    if row is None:
        return _not_found(desk)
    service = RequestService(db, desk.runtime)
    compiled = service.compiled_for(row)
    transition = compiled.process.transitions.get(transition_id)
    try:
        version = int(form_text(form, "_version", 12))
    except ValueError:
        version = -1

    def again(message: str, status: int, on: str | None = None) -> HTMLResponse:
        return request_response(
            desk, row, status=status, error=message, failed=transition_id, error_on=on, typed=typed
        )

    if transition is None:
        return again(say["unknown_transition"], 404)
    if not may_fire(transition, actor_for(desk)):
        return again(say["not_allowed"], 403)
    if version != row.version:
        return again(say["conflict"], 409)
    comment = typed["comment"].strip()
    if transition.comment is not None and transition.comment.required and not comment:
        label = compiled.text(transition.comment.label, desk.locale)
        return again(say("comment_missing", label=label), 422, "comment")
    if transition.confirm and typed["confirmed"] != "oui":
        return again(say["confirm_missing"], 422, "confirm")
    try:
        service.fire(
            row,
            compiled,
            transition_id,
            actor_for(desk),
            comment=comment or None,
            expected_version=version,
        )
    except Conflict:
        db.refresh(row)
        return again(say["conflict"], 409)
    except FireError as error:
        return again(refusal(say, error, Versions(desk), row), 409)
    desk.request.session["bo_notice"] = say(
        "done", label=compiled.text(transition.label, desk.locale)
    )
    return RedirectResponse(_request_href(desk, reference), status_code=303)


@router.get("/demandes/{reference}/documents/{document_row_id}")
def download_document(
    desk: ProcessDesk,
    reference: Reference,
    document_row_id: RowId,
) -> Response:
    row = request_detail.find_request(desk.db, desk.compiled.spec.id, reference)
    document = request_detail.document_of(desk.db, row.id, document_row_id) if row else None
    if row is None or document is None:
        return _not_found(desk)
    filename = document.filename or f"{document.document_id}.pdf"
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename) or "document.pdf"
    return Response(
        document.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "Cache-Control": "no-store",
        },
    )
