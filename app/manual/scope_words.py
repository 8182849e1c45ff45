"""What each name that conditions and templates read means, in the author's words, and the
attributes the checker lets them read after it (engine/check/scope.py)."""

from __future__ import annotations

from engine.check.scope import (
    EXPRESSION_ROOTS,
    PROCESS_EXPRESSION_ROOTS,
    SESSION_DOCUMENT_ROOTS,
    TABLE_LISTS,
    TEMPLATE_ROOTS,
    Scope,
)

# Every root of check/scope.py needs a line here: the manual refuses to be generated without.
ROOT_WORDS = {
    "workflow": "the workflow: its id and its title in the request's language",
    "organisation": "the keys of the workflow's `organisation:` (name, address, email...)",
    "request": "the request: its reference, state, dates and language",
    "answers": "each answer by field id, as stored (`null` when unanswered or hidden)",
    "display": "each answer by field id, as people read it: a choice's label, a date "
    "written out, yes or no",
    "entries": "for each reference-choice field, the chosen entry: `entries.<field id>.<id, "
    "label, status, status_label, is_new, or a field of the list>`",
    "session": "the training session of the request (or of the document)",
    "links": "each link of the workflow's `links:` by id: its URL, made for this request "
    "(in the mails of the transitions that create them)",
    "settings": "each setting of the workflow by id, with the value operators gave it",
    "account": "the applicant's account, in the mail of the transition that creates it",
    "platform_account": "the applicant's learning-platform account, in the mail of an "
    "`lms_user` action (`mail:`), empty elsewhere",
    "invitation": "the invited draft's link and workflow title, in the mail of an `invite` "
    "action, empty elsewhere",
    "transition": "the transition being fired and its comment (empty outside a firing)",
    "attendance": "the request's attendance at its session's half-days",
    "half_days": "the session's half-days, a list (a table's rows)",
    "participants": "the requests holding a seat in the session, a list (a table's rows)",
}


def _empty_scope() -> Scope:
    return Scope(
        fields={},
        field_step={},
        entry_attributes={},
        settings=frozenset(),
        links=frozenset(),
        organisation=frozenset(),
        answers=frozenset(),
    )


def attributes_text(root: str) -> str:
    """The attributes after `root.`: fixed ones listed, the workflow's own said so."""
    session_lists = TABLE_LISTS["session"]
    attributes = session_lists.get(root) or _empty_scope().attributes_of(root)
    if attributes:
        return ", ".join(f"`{name}`" for name in sorted(attributes))
    return "declared by the workflow"


def check_words() -> None:
    roots = EXPRESSION_ROOTS | PROCESS_EXPRESSION_ROOTS | TEMPLATE_ROOTS | SESSION_DOCUMENT_ROOTS
    missing = roots - set(ROOT_WORDS)
    if missing:
        raise LookupError(f"names without a description: {', '.join(sorted(missing))}")
