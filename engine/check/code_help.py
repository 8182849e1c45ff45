"""For each diagnostic code: a short example of what makes the checker report it, and how to
fix it. The author's manual prints this table beside CODES; a test keeps both in step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeHelp:
    example: str  # a few lines of YAML (or a file layout) that the checker reports
    fix: str


CODE_HELP: dict[str, CodeHelp] = {
    "E001": CodeHelp(
        "states:\n\t- id: draft      # a tab before the dash",
        "Indent with spaces only; quote a value holding `: ` or starting with `{`, `[`, `*`.",
    ),
    "E002": CodeHelp(
        "- id: onboarding   # the file is a list",
        "A workflow, a form and a layout are each one mapping of `key: value` lines.",
    ),
    "E003": CodeHelp(
        "- id: done\n  label: Done\n  finall: true",
        "Correct the key's spelling (the message suggests the nearest known key), or remove "
        "it: the option does not exist at this place.",
    ),
    "E004": CodeHelp(
        "- id: done          # no label\n  final: true",
        "Add the key the message names; the field kind or action pages say what each needs.",
    ),
    "E005": CodeHelp(
        "style: red          # a transition's style",
        "Give one of the values the message lists, of the expected type (`true`/`false`, a "
        "number, a duration such as `7d`).",
    ),
    "E006": CodeHelp(
        "- id: comments\n  type: long_txt",
        "Use one of the field kinds (see field-kinds.md); the message suggests the nearest.",
    ),
    "E007": CodeHelp(
        "- include: contact   # forms/contact.yaml is not UTF-8, or cannot be read",
        "Save the file in UTF-8 and check its permissions; create it if it is missing.",
    ),
    "E008": CodeHelp(
        "- id: done\n  label: Done\n  label: Finished",
        "YAML keeps only the last value: remove or rename one of the two keys.",
    ),
    "E010": CodeHelp(
        "roles:\n  - {id: manager, label: Manager}\n  - {id: manager, label: Director}",
        "Ids are unique among their kind (roles, states, fields of the whole wizard...): "
        "rename one.",
    ),
    "E011": CodeHelp(
        "applicant:\n  email: emial",
        "Name a field declared in the wizard (or, in an entry, a field of its list).",
    ),
    "E012": CodeHelp(
        "- {id: person, type: reference_choice, label: Person, list: peple}",
        "Name a list of `reference_lists`, or declare it there.",
    ),
    "E013": CodeHelp(
        "by:\n  roles: [manger]",
        "Name a role of `roles`, or declare it there.",
    ),
    "E014": CodeHelp(
        "process:\n  initial: submited",
        "Name a state of `process.states`, or declare it there.",
    ),
    "E015": CodeHelp(
        "- send_mail: {template: helo, to: applicant}",
        "Create `mail_templates/<name>/` with subject.txt, body.txt and body.html, or correct "
        "the name.",
    ),
    "E016": CodeHelp(
        "documents:\n  - {id: summary, layout: summry, filename: summary.pdf}",
        "Create `pdf_layouts/<name>.yaml`, or correct the name.",
    ),
    "E017": CodeHelp(
        "visible_if: settings.test_mod",
        "Name a setting of `settings`, or declare it there with its type and default.",
    ),
    "E018": CodeHelp(
        "- send_mail: {template: hello, to: applicant, attachments: [summry]}",
        "Name a document of `documents`, or declare it there.",
    ),
    "E019": CodeHelp(
        "not_found: {label: Not listed, form: new_person, status: unreferenced}",
        "Create `forms/<name>.yaml`, or correct the name of the include or form.",
    ),
    "E020": CodeHelp(
        "actions:\n  - send_mial: {template: hello, to: applicant}",
        "Use one of the action kinds (see action-kinds.md).",
    ),
    "E021": CodeHelp(
        "by:\n  link: confirm_mail",
        "Name a link of `links`, or declare it there.",
    ),
    "E022": CodeHelp(
        "- {id: done, label: Done, category: closd}",
        "Name a category of `process.categories` (or an entry or status of the list), or "
        "declare it.",
    ),
    "E023": CodeHelp(
        "applicant:\n  email: comments      # a long_text field",
        "Point at a name of the right kind: here an `email` field.",
    ),
    "E024": CodeHelp(
        "- {id: request, type: text, label: Request}",
        "Rename the field: the names templates and conditions read (request, session, "
        "answers, settings, items...) cannot be field ids.",
    ),
    "E030": CodeHelp(
        "- {id: archived, label: Archived, category: closed}   # no transition leads here",
        "Add a transition to the state, or remove it.",
    ),
    "E031": CodeHelp(
        "- {id: on_hold, label: On hold, category: open}   # no transition leaves it",
        "Add a transition from the state, or mark it `final: true`.",
    ),
    "E032": CodeHelp(
        "- {id: reopen, from: done, to: submitted, ...}   # done is final",
        "A final state ends the request: remove the transition, or `final: true`.",
    ),
    "E033": CodeHelp(
        "- id: expire\n  by: {timer: 30d}\n  comment: {required: true}",
        "Nobody types a comment for a timer, an event or a link: remove `required`.",
    ),
    "E040": CodeHelp(
        "visible_if: funding = 'employer'",
        "Write the condition in the expression language (see expressions.md): `==` to compare, "
        "`and`, `or`, `not`, strings in quotes.",
    ),
    "E041": CodeHelp(
        "when: coments != ''",
        "Read a field id, or one of the names of expressions.md (`session.`, `request.`, "
        "`settings.`, `entries.`).",
    ),
    "E042": CodeHelp(
        "# step 1\n- {id: comments, type: text, label: Comments, visible_if: company != ''}\n"
        "# step 2\n- {id: company, type: text, label: Company}",
        "A condition reads only answers already given: move the field or the condition.",
    ),
    "E050": CodeHelp(
        'filename: "summary-{{ request.reference }}}.pdf"',
        "Correct the Jinja syntax: `{{ name }}`, `{% if ... %}...{% endif %}`.",
    ),
    "E051": CodeHelp(
        'filename: "summary-{{ request.referense }}.pdf"',
        "Use a variable the context supplies (see template-variables.md).",
    ),
    "E052": CodeHelp(
        "mail_templates/hello/\n  subject.txt\n  body.txt        # body.html missing",
        "A mail has three parts: add the missing file.",
    ),
    "E060": CodeHelp(
        "- {id: age, type: integer, label: Age, min: 120, max: 18}",
        "Give a minimum lower than or equal to the maximum.",
    ),
    "E061": CodeHelp(
        "- {id: code, type: text, label: Code, pattern: '[A-Z'}",
        "Write a regular expression that compiles (Python syntax), in single quotes.",
    ),
    "E062": CodeHelp(
        "settings:\n  - {id: max_requests, type: integer, default: many}",
        "Give a value of the declared type: a whole number here, a duration such as `7d`, "
        "an email address...",
    ),
    "E063": CodeHelp(
        "not_found: {label: Not listed, form: contact, status: new}   # contact has no label",
        "The form must ask for `label` and every required field of the list.",
    ),
    "E064": CodeHelp(
        "locale: fr\nprocess:\n  states:\n    - {id: done, label: {en: Done}, category: closed}",
        "Every translated text has the workflow's default locale: add it.",
    ),
    "E065": CodeHelp(
        "wizard:\n  start_actions:\n    - {kind: follow, label: Follow a request}",
        "Give the start action what it needs: a `follow` action names its `mail` template, "
        "and a link that `opens: follow`.",
    ),
    "E066": CodeHelp(
        "links:\n  - {id: follow, lifetime: 30d, opens: follow}\n"
        "  - {id: track, lifetime: 30d, opens: follow}",
        "Keep one link per purpose.",
    ),
    "E067": CodeHelp(
        "actions:\n  - lms_enrol: {}     # and no lms: at the top level",
        "Declare the platform: `lms: {connector: moodle}`.",
    ),
    "E068": CodeHelp(
        "webhooks:\n  - {id: crm, on: {transitions: [accept]}}   # neither url nor url_setting",
        "Give exactly one of `url` and `url_setting`.",
    ),
    "E069": CodeHelp(
        "on: {transitions: [acept]}",
        "Name a transition of `process.transitions`.",
    ),
    "E070": CodeHelp(
        "by: {event: seat_freeed}",
        "Name one of the events the message lists (`seat_freed`, `session_changed`).",
    ),
    "E071": CodeHelp(
        "- id: accept\n  by: {event: seat_freed}\n  to: done          # done holds no seat",
        "Lead to a state with `holds_seat: true`, and have a `session` field in the wizard.",
    ),
    "E072": CodeHelp(
        "by: {timer: {before: session.starts_at, after: session.ends_at, delay: 2d}}",
        "Write `{before: <date>, delay: 7d}` or `{after: <date>, delay: 2d}`.",
    ),
    "E073": CodeHelp(
        "by: {timer: {after: request.submited_at, delay: 2d}}",
        "Name one of the dates the message lists.",
    ),
    "E075": CodeHelp(
        "retention:\n  - {id: finished, states: [done], after: 52w}\n"
        "  - {id: everything_closed, states: [done, cancelled], after: 104w}",
        "Each state belongs to one retention rule, and each rule names a state.",
    ),
    "E076": CodeHelp(
        "consents:\n  - {id: newsletter, label: Newsletter, field: comments}   # a long_text",
        "Read a consent from a `yes_no`, `checkbox` or `consent` field.",
    ),
    "E077": CodeHelp(
        "attachments: [roster]    # roster is declared `of: session`",
        "Attach only documents of a request; a session's documents are made from its page.",
    ),
    "E078": CodeHelp(
        "- {type: table, rows: participant, columns: [...]}",
        "Read a table from one of the lists the message names (see template-variables.md).",
    ),
    "E079": CodeHelp(
        "documents:\n  - {id: invite, kind: calendar, layout: summary, filename: invite.ics}",
        "A calendar document has no layout, and needs a `session` field in the wizard.",
    ),
    "E080": CodeHelp(
        "- id: tell\n  by: {event: session_changed}\n  from: [submitted]   # holds no seat",
        "List in `from` only states with `holds_seat: true`; have a `session` field.",
    ),
    "E085": CodeHelp(
        "- invite: {workflow: minimal_feedback, template: invitation, to: applicant}",
        "Name a workflow of the project's `workflows/` folder.",
    ),
    "E086": CodeHelp(
        "- invite: {workflow: satisfaction, answers: {comments: '...'}, ...}",
        "Fill only the fields of `type: given` of the invited workflow.",
    ),
    "E090": CodeHelp(
        "visible_if: civility == 'madame'   # the options are 'mme' and 'm'",
        "Compare a choice field with one of its options' values, a reference-list field with "
        "an entry id of its list, a yes/no field with `true` or `false` (the message suggests "
        "the nearest value).",
    ),
    "E091": CodeHelp(
        "lifetime: 7 jours",
        "Write a number and a unit with no space: `7d`, `48h`, `30min`, `2w`, `45s`, or the id "
        "of a setting of type duration.",
    ),
    "E092": CodeHelp(
        "required: yes",
        "Write `true` or `false`: YAML's other spellings (`yes`, `no`, `on`, `off`, `1`) are "
        "refused so that a value reads the same in every tool.",
    ),
    "E100": CodeHelp(
        "migrations:\n  from_states: {submitted: review}   # submitted is still a state",
        "Map only states this version no longer declares; a state it still has keeps its "
        "requests as they are.",
    ),
    "E105": CodeHelp(
        "ONBOARDING_WORKFLOWS=onboarding,satisfacton   # a typo",
        "Name workflows of the project's `workflows/` folder (by id), or give the path of a "
        "workflow's YAML file (the samples under `examples/`).",
    ),
    "E106": CodeHelp(
        "ONBOARDING_WORKFLOWS=onboarding,examples/onboarding_copy.yaml   # same wizard path",
        "Serve only one of the two workflows, or give one another `id` or `wizard.path`.",
    ),
    "E107": CodeHelp(
        "wizard:\n  path: inscriptions   # changed while the server runs",
        "Restart the server: a new workflow, or a workflow whose wizard address changed, needs "
        "new routes; the running server keeps the previous versions meanwhile.",
    ),
    "E108": CodeHelp(
        "- invite: {workflow: satisfaction, template: invitation, to: applicant}\n"
        "# with ONBOARDING_WORKFLOWS=onboarding",
        "Serve the invited workflow too (add it to `ONBOARDING_WORKFLOWS`), or remove the "
        "invitation.",
    ),
    "E110": CodeHelp(
        "- reopen: {steps: [identiy], mail: corrections_requested, resubmit: resubmit}",
        "Name steps of the workflow's wizard (the message suggests the nearest).",
    ),
    "E111": CodeHelp(
        "- reopen: {steps: [session, trainee], ...}   # the session field's step",
        "Leave the training session's step out: changing session is a cancellation and a new "
        "request, not a correction.",
    ),
    "E112": CodeHelp(
        "- reopen: {steps: [trainee], mail: corrections_requested, resubmit: resubmitt}",
        "Name the transition of the process that sends the corrected request back.",
    ),
    "E113": CodeHelp(
        "- id: resubmit\n  from: corrections_requested\n  to: submitted\n  by: [manager]",
        "Have the resubmission fired by the applicant through the mailed link: "
        "`by: {link: <link id>}`.",
    ),
    "E114": CodeHelp(
        "- id: resubmit\n  from: submitted        # the reopening leads to corrections_requested",
        "List in the resubmission's `from` the state the reopening's transition goes `to`.",
    ),
}
