"""The page of posted names: what a client (a browser without JavaScript, a script, a test)
must post to a wizard step, field kind by field kind, with the controls every step reads."""

from __future__ import annotations

from datetime import date

from engine.spec.fields import FIELD_KINDS, BaseField, NotFoundForm, TextField
from engine.wizard.values import CONFIRM_SUFFIX, NEW_ENTRY_SUFFIX, ReadContext, input_names
from web.pages import CSRF_FIELD

from .markdown import GENERATED_NOTICE, table

# What each input of a kind takes; every field kind needs a line (the page is refused without).
VALUES = {
    "text": "the text, on one line (control characters removed, cut at `max_length`)",
    "long_text": "the text; new lines kept",
    "email": "the address; with `confirm`, the same address again in the second input",
    "phone": "a number of the region, national (`01 23 45 67 89`) or international (`+33...`)",
    "postal_code": "five digits",
    "year": "four digits",
    "integer": "a whole number",
    "date": "`YYYY-MM-DD` (or `DD/MM/YYYY`)",
    "choice": "the id of one choice",
    "multi_choice": "the id of each ticked choice, the name posted once per choice",
    "yes_no": "`yes` (or `oui`, `true`, `1`, `on`) or `no` (or `non`, `false`, `0`, `off`)",
    "checkbox": "`yes` (or `oui`, `true`, `1`, `on`) when ticked; absent when not",
    "consent": "`yes` when the document is accepted; the version accepted is recorded",
    "reference_choice": "the id of an entry; or, with `not_found`, `yes` in "
    f"`<id>{NEW_ENTRY_SUFFIX}` and the new entry's answers in `<id>{NEW_ENTRY_SUFFIX}__<field id>`",
    "session": "the session's code; the wizard's address (`/<path>/<code>`) decides it, "
    "whatever is posted",
    "notice": "nothing: a notice shows text",
    "given": "nothing: the answer is given when the draft is made, and what is posted is ignored",
}

CONTROLS = (
    (
        f"`{CSRF_FIELD}`",
        "every post",
        "the token of the page's form (tied to the visitor's "
        "cookie); without it the step answers 400 and keeps what was typed",
    ),
    (
        "`_nav`",
        "a step",
        "`next` (the default), `previous`, or `cancel` (a page asks "
        "whether to abandon the draft, posted to `/<wizard path>/abandon`)",
    ),
    (
        "`_action`",
        "the first step, when the workflow declares `start_actions`",
        "`new_request` (the default), `log_in` or `follow`",
    ),
    (
        "`_shown`",
        "a step (optional)",
        "the ids of the fields the page showed, separated by "
        "commas: a field that the answers make visible but that was not shown sends the "
        "applicant back to the step to answer it (pages without JavaScript)",
    ),
)


def _example(kind: str) -> BaseField:
    """A field of the kind with the options that add inputs, so every posted name shows."""
    options: dict[str, object] = {"id": "<id>", "type": kind}
    if kind == "email":
        options["confirm"] = "Confirm"
    if kind == "reference_choice":
        options["not_found"] = NotFoundForm(label="Not listed", form="new_entry", status="new")
    return FIELD_KINDS[kind].model_construct(**options)


def _names(kind: str) -> str:
    sub_field = TextField(id="field_id", type="text", label="Field")
    context = ReadContext(
        locale="fr",
        default_locale="fr",
        catalog=None,  # type: ignore[arg-type]  # names never look anything up
        today=date(2026, 1, 1),
        forms={"new_entry": (sub_field,)},
    )
    names = input_names(_example(kind), context)
    if not FIELD_KINDS[kind].has_answer:
        return "none"
    shown = ", ".join(f"`{name.replace('field_id', '<field id>')}`" for name in names)
    return shown


def posted_names_page() -> str:
    missing = set(FIELD_KINDS) - set(VALUES)
    if missing:
        raise LookupError(f"field kinds without posted values: {', '.join(sorted(missing))}")
    parts = [
        GENERATED_NOTICE,
        "# Posted names",
        "Each wizard step is an HTML form posted to `/<wizard path>/etape/<step id>` (under "
        "`/<wizard path>/<session code>` when the wizard has a session field), as "
        "`application/x-www-form-urlencoded` or `multipart/form-data`. A field's inputs are "
        "named after its id; this is what a client must post. Answers of fields hidden by "
        "their `visible_if` are dropped.",
        "## Controls",
        table(("name", "posted on", "what it holds"), CONTROLS),
        "## Inputs of each field kind",
        table(
            ("field kind", "names", "values"),
            ((f"`{kind}`", _names(kind), VALUES[kind]) for kind in FIELD_KINDS),
        ),
        f"The engine makes the names `<id>{CONFIRM_SUFFIX}` and `<id>{NEW_ENTRY_SUFFIX}...` "
        "from a field's id: give no other field of the step an id ending that way.",
    ]
    return "\n\n".join(parts) + "\n"
