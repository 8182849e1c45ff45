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
from engine.translations import N_, Phrasebook, Words

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
WORDS = Phrasebook(
    {
        "tabs": N_("Request categories"),
        "tab_all": N_("All"),
        "filters": N_("Filters"),
        "state": N_("State"),
        "all_states": N_("All states"),
        "session": N_("Session"),
        "all_sessions": N_("All sessions"),
        "all_entries": N_("Any"),
        "submitted_from": N_("Sent from"),
        "submitted_to": N_("Sent until"),
        "search": N_("Search"),
        "search_help": N_("Reference, name or email address; case and accents do not matter."),
        "sort": N_("Sort by"),
        "sort_submitted": N_("Date sent"),
        "sort_reference": N_("Reference"),
        "sort_state": N_("State"),
        "order": N_("Order"),
        "desc": N_("Descending"),
        "asc": N_("Ascending"),
        "apply": N_("Filter"),
        "reset": N_("Clear the filters"),
        "range": N_("{first}–{last} of {total}"),
        "range_more": N_("{first}–{last} of more than {total}"),
        "more_than": N_("more than {n}"),
        "empty": N_("No request matches."),
        "col_reference": N_("Reference"),
        "col_applicant": N_("Applicant"),
        "col_session": N_("Session"),
        "col_state": N_("State"),
        "col_submitted": N_("Sent on"),
        "col_select": N_("Selection"),
        "select_one": N_("Select request {reference}"),
        "sorted_asc": N_("ascending"),
        "sorted_desc": N_("descending"),
        "draft": N_("(draft)"),
        "pages": N_("Pages"),
        "first_page": N_("First page"),
        "previous_page": N_("Previous page"),
        "next_page": N_("Next page"),
        "last_page": N_("Last page"),
        "page_of": N_("Page {n} of {total}"),
        "page_n": N_("Page {n}"),
        "page_too_far": N_(
            "Page {asked} is too far from both ends of the list to be opened by its"
            " number: here is page {page}. To go further, use “Next page” or narrow"
            " the list (dates sent, filters, search)."
        ),
        "bad_date": N_("Date not understood: “{value}” (expected dd/mm/yyyy). Filter ignored."),
        "bulk_legend": N_("Action on the ticked requests"),
        "bulk_transition": N_("Action"),
        "bulk_apply": N_("Apply to the ticked requests"),
        "bulk_title": N_("Action on several requests"),
        "bulk_none": N_("Tick at least one request, then choose the action."),
        "bulk_unknown": N_("This action cannot be applied to several requests."),
        "bulk_question": N_("Apply “{label}” to {n} request(s)?"),
        "bulk_confirm": N_("Confirm and apply"),
        "bulk_done": N_("Done for {n} request(s)"),
        "bulk_refused": N_("Refused for {n} request(s)"),
        "back_to_queue": N_("Back to the requests"),
        "not_found_request": N_("This request does not exist."),
        "request_title": N_("Request {reference}"),
        "draft_title": N_("Draft request"),
        "applicant": N_("Applicant"),
        "submitted_on": N_("Sent on"),
        "created_on": N_("Started on"),
        "answers": N_("Answers"),
        "no_answer": N_("—"),
        "entries": N_("Reference list entries"),
        "entry_status": N_("Status"),
        "history": N_("History"),
        "no_history": N_("No state change yet."),
        "h_comment": N_("Comment"),
        "actor_applicant": N_("the applicant"),
        "actor_link": N_("link sent by email"),
        "actor_timer": N_("automatic (delay)"),
        "actor_event": N_("automatic (seat freed)"),
        "position": N_("Position on the waiting list"),
        "deadlines": N_("Automatic deadlines"),
        "mails": N_("Mails"),
        "no_mails": N_("No mail for this request."),
        "m_when": N_("Created"),
        "m_template": N_("Template"),
        "m_subject": N_("Subject"),
        "m_recipients": N_("Recipients"),
        "m_status": N_("Status"),
        "m_cc": N_("cc:"),
        "m_redirected": N_("redirected to:"),
        "status_queued": N_("queued"),
        "status_sent": N_("sent"),
        "status_failed": N_("failed"),
        "status_redirected": N_("redirected (test mode)"),
        "calls": N_("Calls to other systems"),
        "no_calls": N_("No call for this request."),
        "c_when": N_("Planned on"),
        "c_call": N_("Call"),
        "c_status": N_("Status"),
        "c_attempts": N_("Attempts"),
        "c_result": N_("Result"),
        "c_retry": N_("Retry"),
        "call_status_queued": N_("queued"),
        "call_status_done": N_("done"),
        "call_status_failed": N_("failed"),
        "call_user": N_("account no. {user_id} ({username})"),
        "call_created": N_("created"),
        "call_found": N_("existing"),
        "call_enrolled": N_("enrolled in the course {course} (role {role})"),
        "call_group": N_("added to the group {group}"),
        "call_requeued": N_("The call is back in the queue; it will be made on the next round."),
        "call_not_failed": N_("This call has not failed: nothing to retry."),
        "privacy": N_("Personal data"),
        "privacy_intro": N_(
            "You can give the applicant a copy of everything held about them (right"
            " of access), or erase their data at their request (right to erasure). "
            "Each export and each erasure is written in the history."
        ),
        "privacy_export": N_("Export the data (ZIP)"),
        "privacy_erase": N_("Erase the personal data"),
        "privacy_reason": N_("Reason for the erasure"),
        "privacy_reason_hint": N_(
            "For instance: the person's request received by mail on 3 December."
        ),
        "privacy_confirm": N_("I confirm the erasure: it cannot be undone."),
        "privacy_kept": N_(
            "Kept, with nothing that identifies the person: the reference, the "
            "session, the state, the dates and the history of the steps (for "
            "statistics and as proof of the registration). Erased: the answers, the"
            " name, the email address, the account, the comments, the text and "
            "recipients of the mails, the documents."
        ),
        "privacy_erased": N_("The personal data of this request was erased on {when}."),
        "privacy_done": N_("The request's personal data has been erased."),
        "privacy_reason_missing": N_("Give the reason for the erasure."),
        "privacy_confirm_missing": N_("Tick the box to confirm the erasure."),
        "privacy_already": N_("This request's data has already been erased."),
        "h_anonymise": N_("Personal data erased"),
        "h_export_personal_data": N_("Personal data exported"),
        "actor_retention": N_("Retention rule '{rule}'"),
        "documents": N_("Documents"),
        "no_documents": N_("No document for this request."),
        "make_document": N_("Generate: {title}"),
        "document_made": N_("The document “{title}” was generated; it is in the list below."),
        "unknown_document": N_("This document does not exist for this request."),
        "document_failed": N_("The document could not be generated: {error}"),
        "h_document": N_("Document generated"),
        "attendance": N_("Attendance"),
        "attendance_intro": N_(
            "Attendance per half-day of the session, recorded in the session's attendance grid."
        ),
        "attendance_half_day": N_("Half-day"),
        "attendance_status": N_("Attendance"),
        "attendance_summary": N_(
            "{present} half-day(s) attended out of {planned}, {absent} absence(s), "
            "{unrecorded} not recorded."
        ),
        "attendance_grid": N_("The session's attendance grid"),
        "download": N_("Download {filename}"),
        "actions": N_("Actions"),
        "no_action": N_("There is nothing you can do on this request at the moment."),
        "confirm_check": N_("I confirm"),
        "confirm_missing": N_("Tick “I confirm” to do this."),
        "comment_missing": N_("“{label}” is required."),
        "done": N_("“{label}”: done."),
        "conflict": N_(
            "Someone else changed this request while you were looking at it: "
            "nothing was applied. Here is its current state; check it before trying"
            " again."
        ),
        "not_from_state": N_(
            "The request is in state “{state}”: this action is not possible there."
        ),
        "not_allowed": N_("Your roles do not allow this action."),
        "unknown_transition": N_("This action does not exist for this request."),
        "form_expired": N_("The form expired: reload the page and try again."),
        "unknown_state": N_("unknown state ({state})"),
        "privacy_person": N_("Every request of this person: export or erase them together"),
        "h_version_moved": N_("Moved to the current version of the process"),
        "spec_version": N_("Process version"),
        "version_current": N_("current"),
        "version_old": N_("earlier version (the current one is {current})"),
        "version_old_note": N_(
            "This request follows the earlier version of the process it started under: the actions offered are that version's."
        ),
        "version_move": N_("Move to the current version"),
        "version_unmapped": N_(
            "It cannot move to the current version: its state “{state}” no longer exists there and no mapping is declared (migrations.from_states)."
        ),
        "version_moved": N_("The request now follows the current version of the process."),
        "version_not_movable": N_("This request cannot move to the current version."),
        "old_version": N_("earlier version"),
    }
)


# `say["key"]` or `say("key", n=3)`, in the desk's language.
Say = Words


def say_for(desk: Desk) -> Say:
    return WORDS.words(desk.locale)


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
