"""What the backoffice's request pages share: their words in the workflow's language, the bounds
of their forms, the acting user, and the workflow version each request is pinned to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends
from starlette.datastructures import FormData

from engine.compiled import CompiledWorkflow
from engine.process.actors import Actor
from engine.process.firing import (
    CommentRequired,
    ConditionNotMet,
    NotAllowed,
    NotFromThisState,
    UnknownTransition,
)
from engine.service.bulk import NotBulk
from engine.service.requests import Conflict
from engine.store.models import RequestRow

from ..deps import form_of
from .access import Desk

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
        "range_more": "{first}–{last} sur plus de {total}",
        "more_than": "plus de {n}",
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
        "page_n": "Page {n}",
        "page_too_far": "La page {asked} est trop loin du début et de la fin de la liste pour "
        "s'ouvrir par son numéro : voici la page {page}. Pour aller plus loin, utilisez « Page "
        "suivante » ou resserrez la liste (dates d'envoi, filtres, recherche).",
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
        "actor_event": "automatique (place libérée)",
        "position": "Position sur la liste d'attente",
        "deadlines": "Échéances automatiques",
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
        "calls": "Appels aux autres systèmes",
        "no_calls": "Aucun appel pour cette demande.",
        "c_when": "Prévu le",
        "c_call": "Appel",
        "c_status": "Statut",
        "c_attempts": "Tentatives",
        "c_result": "Résultat",
        "c_retry": "Réessayer",
        "call_status_queued": "en file",
        "call_status_done": "fait",
        "call_status_failed": "échec",
        "call_user": "compte n° {user_id} ({username})",
        "call_created": "créé",
        "call_found": "existant",
        "call_enrolled": "inscrit au cours {course} (rôle {role})",
        "call_group": "ajouté au groupe {group}",
        "call_requeued": "L'appel est remis dans la file ; il sera fait au prochain passage.",
        "call_not_failed": "Cet appel n'est pas en échec : rien à réessayer.",
        "privacy": "Données personnelles",
        "privacy_intro": "Vous pouvez remettre au demandeur une copie de tout ce qui est conservé sur lui (droit d'accès), ou effacer ses données à sa demande (droit à l'effacement). Chaque export et chaque effacement est inscrit dans l'historique.",
        "privacy_export": "Exporter les données (ZIP)",
        "privacy_person": "Toutes les demandes de cette personne : exporter ou effacer ensemble",
        "privacy_erase": "Effacer les données personnelles",
        "privacy_reason": "Motif de l'effacement",
        "privacy_reason_hint": "Par exemple : demande de la personne reçue par courriel le 3 décembre.",
        "privacy_confirm": "Je confirme l'effacement : il est définitif.",
        "privacy_kept": "Sont conservés, sans rien qui identifie la personne : la référence, la session, l'état, les dates et l'historique des étapes (pour les statistiques et la preuve de l'inscription). Sont effacés : les réponses, le nom, l'adresse électronique, le compte, les commentaires, le texte et les destinataires des courriels, les documents.",
        "privacy_erased": "Les données personnelles de cette demande ont été effacées le {when}.",
        "privacy_done": "Les données personnelles de la demande ont été effacées.",
        "privacy_reason_missing": "Indiquez le motif de l'effacement.",
        "privacy_confirm_missing": "Cochez la case pour confirmer l'effacement.",
        "privacy_already": "Les données de cette demande ont déjà été effacées.",
        "h_anonymise": "Données personnelles effacées",
        "h_export_personal_data": "Données personnelles exportées",
        "actor_retention": "Règle de conservation « {rule} »",
        "documents": "Documents",
        "no_documents": "Aucun document pour cette demande.",
        "make_document": "Générer : {title}",
        "document_made": "Le document « {title} » a été généré ; il est dans la liste ci-dessous.",
        "unknown_document": "Ce document n'existe pas pour cette demande.",
        "document_failed": "Le document n'a pas pu être généré : {error}",
        "h_document": "Document généré",
        "h_version_moved": "Passage à la version actuelle du processus",
        "spec_version": "Version du processus",
        "version_current": "actuelle",
        "version_old": "ancienne version (la version actuelle est {current})",
        "version_old_note": "Cette demande suit l'ancienne version du processus sous laquelle elle a commencé : les actions proposées sont celles de cette version.",
        "version_move": "Passer à la version actuelle",
        "version_unmapped": "Elle ne peut pas passer à la version actuelle : son état « {state} » n'y existe plus et aucune correspondance n'est déclarée (migrations.from_states).",
        "version_moved": "La demande suit maintenant la version actuelle du processus.",
        "version_not_movable": "Cette demande ne peut pas passer à la version actuelle.",
        "attendance": "Présence",
        "attendance_intro": "Présence par demi-journée de la session, saisie dans la grille de présence de la session.",
        "attendance_half_day": "Demi-journée",
        "attendance_status": "Présence",
        "attendance_summary": "{present} demi-journée(s) de présence sur {planned}, {absent} absence(s), {unrecorded} non saisie(s).",
        "attendance_grid": "Grille de présence de la session",
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
        "old_version": "ancienne version",
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
        "range_more": "{first}–{last} of more than {total}",
        "more_than": "more than {n}",
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
        "page_n": "Page {n}",
        "page_too_far": "Page {asked} is too far from both ends of the list to be opened by its "
        "number: here is page {page}. To go further, use “Next page” or narrow the list "
        "(dates sent, filters, search).",
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
        "actor_event": "automatic (seat freed)",
        "position": "Position on the waiting list",
        "deadlines": "Automatic deadlines",
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
        "calls": "Calls to other systems",
        "no_calls": "No call for this request.",
        "c_when": "Planned on",
        "c_call": "Call",
        "c_status": "Status",
        "c_attempts": "Attempts",
        "c_result": "Result",
        "c_retry": "Retry",
        "call_status_queued": "queued",
        "call_status_done": "done",
        "call_status_failed": "failed",
        "call_user": "account no. {user_id} ({username})",
        "call_created": "created",
        "call_found": "existing",
        "call_enrolled": "enrolled in the course {course} (role {role})",
        "call_group": "added to the group {group}",
        "call_requeued": "The call is back in the queue; it will be made on the next round.",
        "call_not_failed": "This call has not failed: nothing to retry.",
        "privacy": "Personal data",
        "privacy_intro": "You can give the applicant a copy of everything held about them (right of access), or erase their data at their request (right to erasure). Each export and each erasure is written in the history.",
        "privacy_export": "Export the data (ZIP)",
        "privacy_person": "Every request of this person: export or erase them together",
        "privacy_erase": "Erase the personal data",
        "privacy_reason": "Reason for the erasure",
        "privacy_reason_hint": "For instance: the person's request received by mail on 3 December.",
        "privacy_confirm": "I confirm the erasure: it cannot be undone.",
        "privacy_kept": "Kept, with nothing that identifies the person: the reference, the session, the state, the dates and the history of the steps (for statistics and as proof of the registration). Erased: the answers, the name, the email address, the account, the comments, the text and recipients of the mails, the documents.",
        "privacy_erased": "The personal data of this request was erased on {when}.",
        "privacy_done": "The request's personal data has been erased.",
        "privacy_reason_missing": "Give the reason for the erasure.",
        "privacy_confirm_missing": "Tick the box to confirm the erasure.",
        "privacy_already": "This request's data has already been erased.",
        "h_anonymise": "Personal data erased",
        "h_export_personal_data": "Personal data exported",
        "actor_retention": "Retention rule '{rule}'",
        "documents": "Documents",
        "no_documents": "No document for this request.",
        "make_document": "Generate: {title}",
        "document_made": "The document “{title}” was generated; it is in the list below.",
        "unknown_document": "This document does not exist for this request.",
        "document_failed": "The document could not be generated: {error}",
        "h_document": "Document generated",
        "h_version_moved": "Moved to the current version of the process",
        "spec_version": "Process version",
        "version_current": "current",
        "version_old": "earlier version (the current one is {current})",
        "version_old_note": "This request follows the earlier version of the process it started under: the actions offered are that version's.",
        "version_move": "Move to the current version",
        "version_unmapped": "It cannot move to the current version: its state “{state}” no longer exists there and no mapping is declared (migrations.from_states).",
        "version_moved": "The request now follows the current version of the process.",
        "version_not_movable": "This request cannot move to the current version.",
        "attendance": "Attendance",
        "attendance_intro": "Attendance per half-day of the session, recorded in the session's attendance grid.",
        "attendance_half_day": "Half-day",
        "attendance_status": "Attendance",
        "attendance_summary": "{present} half-day(s) attended out of {planned}, {absent} absence(s), {unrecorded} not recorded.",
        "attendance_grid": "The session's attendance grid",
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
        "old_version": "earlier version",
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


def request_href(desk: Desk, key: str) -> str:
    return f"{desk.base}/demandes/{quote(key, safe='')}"


def refusal(say: Say, error: Exception, versions: Versions, row: RequestRow | None) -> str:
    """Why a transition was not fired, for people, in the workflow's language."""
    if isinstance(error, Conflict):
        return say["conflict"]
    if isinstance(error, NotFromThisState) and row is not None:
        return say("not_from_state", state=versions.state_label(row.state, row.spec_hash))
    if isinstance(error, NotAllowed):
        return say["not_allowed"]
    if isinstance(error, NotBulk):
        return say["bulk_unknown"]
    if isinstance(error, UnknownTransition):
        return say["unknown_transition"]
    if isinstance(error, ConditionNotMet | CommentRequired):
        return error.message
    return getattr(error, "message", str(error))
