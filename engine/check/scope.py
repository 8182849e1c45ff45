"""The names a workflow makes available to conditions and to templates.

The runtime builds its contexts with exactly these names (see `engine.context`), and the checker
verifies every expression and template against them, so a typo is found when the YAML is
validated rather than when a mail is sent."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..half_days import ATTENDANCE_ATTRIBUTES, ATTENDED_HALF_DAY_ATTRIBUTES, HALF_DAY_ATTRIBUTES
from ..spec.fields import BaseField
from ..spec.workflow import Workflow

SESSION_ATTRIBUTES = frozenset(
    {
        "code",
        "title",
        "starts_at",
        "ends_at",
        "dates",
        "place",
        "capacity",
        "seats_taken",
        "seats_left",
        "is_open",
        "registration_closes_at",
    }
)
REQUEST_ATTRIBUTES = frozenset(
    {
        "reference",
        "state",
        "state_label",
        "created_at",
        "submitted_at",
        "locale",
        "erasure_date",
    }
)
ACCOUNT_ATTRIBUTES = frozenset({"login", "email"})
# The applicant's account on the learning platform, known once the `lms_user` call is made:
# filled in the mail that call's success sends (`lms_user: {mail: ...}`), empty elsewhere.
PLATFORM_ACCOUNT_ATTRIBUTES = frozenset({"username", "created", "password_help_url"})
# The link an `invite` action's mail gives (`invitation.url`), and the invited workflow's title.
INVITATION_ATTRIBUTES = frozenset({"url", "title"})
TRANSITION_ATTRIBUTES = frozenset({"id", "label", "comment"})
WORKFLOW_ATTRIBUTES = frozenset({"id", "title"})
ENTRY_ATTRIBUTES = frozenset({"id", "label", "status", "status_label", "is_new"})

# Roots of expressions besides field ids; a field may not take one of these ids.
EXPRESSION_ROOTS = frozenset({"session", "request", "settings", "entries"})
# The conditions of the process's transitions and actions also read the request's attendance.
PROCESS_EXPRESSION_ROOTS = EXPRESSION_ROOTS | {"attendance"}
TEMPLATE_ROOTS = frozenset(
    {
        "workflow",
        "organisation",
        "request",
        "answers",
        "display",
        "entries",
        "session",
        "links",
        "settings",
        "account",
        "platform_account",
        "invitation",
        "transition",
        "attendance",
    }
)
# The roots whose next segment is a field id.
FIELD_ROOTS = frozenset({"answers", "display", "entries"})
# A training session's documents (`of: session`) read the session, not a request: its
# half-days and its participants (the requests holding a seat, their data not erased).
PARTICIPANT_ATTRIBUTES = frozenset(
    {"reference", "first_name", "last_name", "email", "state", "state_label", "present", "absent"}
)
SESSION_DOCUMENT_ROOTS = frozenset(
    {"workflow", "organisation", "session", "settings", "half_days", "participants"}
)
# The lists a table of a layout may take its rows (or its signature columns) from, with the
# attributes of their items, by the kind of document.
TABLE_LISTS = {
    "request": {"attendance.half_days": ATTENDED_HALF_DAY_ATTRIBUTES},
    "session": {"half_days": HALF_DAY_ATTRIBUTES, "participants": PARTICIPANT_ATTRIBUTES},
}
# Templates read answers as `answers.<id>`, and Jinja looks up attributes before keys: a field
# named like a method of a mapping would print the method instead of the answer.
MAPPING_METHODS = frozenset(name for name in dir(dict) if not name.startswith("_"))
RESERVED_FIELD_IDS = EXPRESSION_ROOTS | TEMPLATE_ROOTS | MAPPING_METHODS


@dataclass(frozen=True, slots=True)
class Scope:
    """Everything a workflow declares that expressions and templates may read."""

    fields: dict[str, BaseField]
    field_step: dict[str, int]  # field id -> index of its step
    entry_attributes: dict[str, frozenset[str]]  # reference-choice field -> readable attributes
    settings: frozenset[str]
    links: frozenset[str]
    organisation: frozenset[str]
    answers: frozenset[str]  # ids of the fields that store an answer
    # False when a form the steps include is missing: the fields it would declare are unknown,
    # so a name that is not declared may well be one of them and is not reported.
    complete: bool = True

    @classmethod
    def of(cls, workflow: Workflow, *, complete: bool = True) -> Scope:
        fields: dict[str, BaseField] = {}
        field_step: dict[str, int] = {}
        for index, step in enumerate(workflow.wizard.steps):
            for item in step.fields:
                if isinstance(item, BaseField) and item.id not in fields:
                    fields[item.id] = item
                    field_step[item.id] = index
        lists = {ref.id: ref for ref in workflow.reference_lists}
        entry_attributes = {}
        for field_id, field in fields.items():
            list_id = field.entry_list()
            if list_id is not None:
                ref = lists.get(list_id)
                own = {f.id for f in ref.fields} if ref is not None else set()
                entry_attributes[field_id] = ENTRY_ATTRIBUTES | own
        return cls(
            fields=fields,
            field_step=field_step,
            entry_attributes=entry_attributes,
            settings=frozenset(s.id for s in workflow.settings),
            links=frozenset(link.id for link in workflow.links),
            organisation=frozenset(workflow.organisation),
            answers=frozenset(fid for fid, field in fields.items() if field.has_answer),
            complete=complete,
        )

    def answer_fields(self) -> frozenset[str]:
        return self.answers

    def attributes_of(self, root: str) -> frozenset[str] | None:
        """The attributes a root name offers, or None when the root takes a field id next."""
        fixed = {
            "session": SESSION_ATTRIBUTES,
            "request": REQUEST_ATTRIBUTES,
            "account": ACCOUNT_ATTRIBUTES,
            "platform_account": PLATFORM_ACCOUNT_ATTRIBUTES,
            "invitation": INVITATION_ATTRIBUTES,
            "transition": TRANSITION_ATTRIBUTES,
            "workflow": WORKFLOW_ATTRIBUTES,
            "attendance": ATTENDANCE_ATTRIBUTES,
            "settings": self.settings,
            "links": self.links,
            "organisation": self.organisation,
        }
        if root in fixed:
            return fixed[root]
        if root in {"answers", "display"}:
            return self.answer_fields()
        if root == "entries":
            return frozenset(self.entry_attributes)
        return None

    def unknown_in_path(self, parts: list[str]) -> str | None:
        """For a dotted path such as ['entries', 'venue', 'city'], the message part
        explaining the first unknown segment, or None when the whole path is known."""
        root = parts[0]
        allowed = self.attributes_of(root)
        if allowed is None or len(parts) < 2:
            return None
        if not self.complete and root in FIELD_ROOTS:
            return None
        if parts[1] not in allowed:
            return _unknown(f"{root}.{parts[1]}", parts[1], allowed)
        if root == "entries" and len(parts) >= 3:
            attributes = self.entry_attributes[parts[1]]
            if parts[2] not in attributes:
                return _unknown(".".join(parts[:3]), parts[2], attributes)
        return None


def _unknown(name: str, segment: str, allowed: frozenset[str]) -> str:
    close = difflib.get_close_matches(segment, sorted(allowed), n=1)
    return f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else "")
