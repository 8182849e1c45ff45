"""The root of a workflow file (`workflows/<id>.yaml`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ..spec_types import DurationOrSetting, Identifier, LocaleCode, SpecModel, Text, YamlBool
from .fields import Expression, FieldItem
from .process import Process
from .reference import ReferenceList


class Setting(SpecModel):
    """A value operators can change in the backoffice; the YAML gives its default."""

    id: Identifier
    label: Text = Field(description="its name in the backoffice's settings page")
    type: Literal["text", "email", "boolean", "integer", "duration", "url"]
    default: Any = Field(
        None, description="its value until an operator changes it, of the setting's type"
    )
    help: Text | None = Field(None, description="a sentence under the setting, for operators")


class Role(SpecModel):
    id: Identifier
    label: Text = Field(description="its name, as users see it")
    description: Text | None = Field(
        None, description="what holders of the role do, for administrators"
    )
    backoffice: Literal["none", "process", "manage", "admin"] = Field(
        "process",
        description=(
            "what the role's users reach in the backoffice: `process` the requests, their "
            "transitions, mails and notifications; `manage` also reference lists, sessions, "
            "imports and exports; `admin` also settings; `none` nothing (mail only)"
        ),
    )


class Link(SpecModel):
    """A signed link mailed to the applicant; templates use it as `links.<id>`."""

    id: Identifier
    lifetime: DurationOrSetting
    opens: Literal["transitions", "follow", "set_password"] = Field(
        "transitions",
        description=(
            "what the link's page offers: the transitions declared `by: {link: <id>}`; "
            "`follow`: the request's state and what its applicant may do (`by: applicant`); "
            "`set_password`: choosing the password of the account created for the request"
        ),
    )
    description: Text | None = Field(
        None, description="what the link is for, for the people who read the workflow"
    )


class Document(SpecModel):
    """A generated document: a PDF layout (or a calendar entry) and a file name (a template).

    A request's document (`of: request`, the default) is made for one request, by
    `generate_document`, a mail's attachments or an operator, and stored with it. A training
    session's document (`of: session`) is made on demand from the session's page in the
    backoffice, never stored: its templates read the session, its `half_days` and its
    `participants` (the requests holding a seat), not a request.

    A `calendar` document is an iCalendar file (RFC 5545) of the request's training session,
    not a PDF: its title, place, start and end in the organisation's time zone, one event per
    request and session whose UID never changes and whose SEQUENCE grows each time the
    session's dates or place change, so that a calendar replaces the earlier copy. It has no
    layout, and is made anew for every mail that attaches it."""

    id: Identifier
    kind: Literal["pdf", "calendar"] = Field(
        "pdf", description="`pdf`: rendered from a layout; `calendar`: an .ics of the session"
    )
    layout: Identifier | None = Field(
        None, description="a file of pdf_layouts/, without .yaml (pdf documents only)"
    )
    filename: str = Field(
        min_length=1,
        description="the file's name: a template (`certificate-{{ request.reference }}.pdf`)",
    )
    title: Text | None = Field(None, description="what the backoffice and mails call the document")
    of: Literal["request", "session"] = Field(
        "request", description="what the document is made for: one request, or one session"
    )


class StartAction(SpecModel):
    """A choice on the wizard's first screen."""

    kind: Literal["new_request", "log_in", "follow"] = Field(
        description="what the choice does: start a new request, log in, or be mailed the "
        "links to one's requests"
    )
    label: Text = Field(description="the choice, as the applicant reads it")
    mail: Identifier | None = Field(
        None,
        description=(
            "for `follow`: the mail template that sends the applicant a link to their requests "
            "(it uses `links.<id>` of the link that `opens: follow`)"
        ),
    )


class Step(SpecModel):
    id: Identifier
    title: Text = Field(description="the step's heading, also shown in the progress")
    intro: Text | None = Field(None, description="a paragraph under the title")
    visible_if: Expression | None = None
    fields: tuple[FieldItem, ...] = Field(
        min_length=1, description="the step's fields, in order, and `- include: <form id>` items"
    )


class Wizard(SpecModel):
    path: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")] = Field(
        description="the URL segment of the wizard: /<path>/<session code>"
    )
    start_actions: tuple[StartAction, ...] = Field(
        (), description="choices offered on the first page (new request, log in, follow a request)"
    )
    submit_label: Text = Field(
        {"fr": "Envoyer ma demande", "en": "Send my request"}, description="the last step's button"
    )
    submitted_message: Text | None = Field(
        None, description="the text of the page shown once the request is sent"
    )
    invitation_only: YamlBool = Field(
        False,
        description=(
            "the wizard opens only from an invitation's link (another workflow's `invite`): "
            "no new request from its address, and it is not listed on the home page"
        ),
    )
    steps: tuple[Step, ...] = Field(min_length=1, description="the pages of the wizard, in order")


class Applicant(SpecModel):
    """Which answers identify the applicant, so the engine can mail them and create accounts."""

    email: Identifier = Field(description="the email field whose address receives the mails")
    first_name: Identifier | None = Field(
        None, description="the field holding the applicant's first name (accounts, lists)"
    )
    last_name: Identifier | None = Field(
        None, description="the field holding the applicant's last name (accounts, lists)"
    )


class Delivery(SpecModel):
    """Test mode: while the boolean setting is on, mail goes to the role's users instead."""

    test_mode_setting: Identifier | None = Field(
        None,
        description="a boolean setting: while true, every mail goes to the test recipients instead",
    )
    test_recipients_role: Identifier | None = Field(
        None, description="the role whose users receive the mails in test mode"
    )
    failed_calls_role: Identifier | None = Field(
        None,
        description=(
            "the role notified when a call to another system (learning platform, webhook) "
            "fails for good; default: the first role that manages the backoffice"
        ),
    )


class LmsConnection(SpecModel):
    """The learning platform that the `lms_user`, `lms_enrol` and `lms_group` actions call.
    Its address and token are the product's settings (`ONBOARDING_LMS_URL`,
    `ONBOARDING_LMS_TOKEN`), never written in a workflow: with no address set, those actions
    plan nothing and the workflow runs without a platform."""

    connector: Identifier = Field(
        description="the connector, provided by the application, that speaks the platform's "
        "protocol"
    )
    title: Text | None = Field(None, description="the platform's name, as shown to people")


class WebhookTriggers(SpecModel):
    """What sends an event: a transition fired (by its id) or a state entered."""

    transitions: tuple[Identifier, ...] = Field(
        (), description="the transitions whose firing sends an event"
    )
    states: tuple[Identifier, ...] = Field((), description="the states whose entry sends an event")


class Webhook(SpecModel):
    """An HTTP endpoint told of the process's events: a signed JSON POST, through the call
    outbox (sent after the transaction commits, retried). The URL is written here or, so that
    each installation points at its own receiver, read from a setting of type url (an empty
    setting sends nothing). The signing secret is never in the YAML: it comes from the
    environment (`ONBOARDING_WEBHOOK_SECRETS`)."""

    id: Identifier
    url: Annotated[str, Field(pattern=r"^https?://")] | None = Field(
        None, description="where events are posted (http or https)"
    )
    url_setting: Identifier | None = Field(
        None, description="a setting of type url holding where events are posted"
    )
    on: WebhookTriggers = Field(
        description="what sends an event: transitions fired, states entered"
    )
    notify: Identifier | None = Field(
        None, description="a role told in the backoffice when a delivery fails for good"
    )
    description: Text | None = Field(None, description="what the receiver does with the events")


class RetentionNotice(SpecModel):
    """A mail telling the applicant, this long before, that their data will be erased."""

    template: Identifier = Field(description="a folder of mail_templates/")
    before: DurationOrSetting = Field(description="how long before the erasure the mail is sent")


class RetentionRule(SpecModel):
    """How long the personal data of requests in these states (or state categories) is kept,
    counted from the request's last change. Then it is erased: the request stays, anonymised,
    with its reference, state, session and dates, for counts and statistics."""

    id: Identifier
    states: tuple[Identifier, ...] = Field(
        (), description="the states whose requests the rule covers"
    )
    categories: tuple[Identifier, ...] = Field(
        (), description="the categories whose states the rule covers"
    )
    after: DurationOrSetting = Field(
        description="how long after entering the state the personal data is erased"
    )
    notice: RetentionNotice | None = Field(
        None, description="a mail sent to the applicant before the erasure"
    )
    description: Text | None = Field(None, description="why the data is kept that long")


class ConsentPurpose(SpecModel):
    """A purpose an applicant agrees to, or not, by answering a yes/no, checkbox or consent
    field. Recorded at submission with the wording's version and the time, and exportable per
    purpose and training session: the people who agreed, with the answers they agreed to
    share (`shares`)."""

    id: Identifier
    label: Text = Field(description="the purpose, as the backoffice and exports name it")
    field: Identifier = Field(
        description="the yes_no, checkbox or consent field recording the agreement"
    )
    version: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="the version of the wording agreed to (a consent field records its own)"
    )
    shares: tuple[Identifier, ...] = Field(
        (), description="the fields whose answers the export gives (what the person shares)"
    )


class Migrations(SpecModel):
    """How requests pinned to an earlier version move to this one (`onboarding migrate`)."""

    from_states: dict[Identifier, Identifier] = Field(
        default_factory=dict,
        description=(
            "a state earlier versions had and this one removed or renamed, mapped to the state "
            "of this version its requests move to; a request in a removed state with no mapping "
            "stays on its version"
        ),
    )


class Workflow(SpecModel):
    id: Identifier
    title: Text = Field(description="the workflow's name, as applicants and operators see it")
    description: Text | None = Field(None, description="a paragraph presenting the workflow")
    locale: LocaleCode = Field(
        "fr", description="the language of the workflow's texts and pages (fr or en)"
    )
    locales: tuple[LocaleCode, ...] = Field(
        ("fr",), description="the languages its texts are written in"
    )
    organisation: dict[Identifier, str] = Field(
        default_factory=dict, description="the organisation's identity, for mails and PDFs"
    )
    settings: tuple[Setting, ...] = Field(
        (), description="values operators change in the backoffice"
    )
    roles: tuple[Role, ...] = Field(
        (), description="what backoffice users hold, and transitions name"
    )
    reference_lists: tuple[ReferenceList, ...] = Field(
        (), description="lists of choices operators maintain (organisations, types...)"
    )
    applicant: Applicant = Field(description="which fields hold the applicant's email and name")
    links: tuple[Link, ...] = Field(
        (), description="links mailed to applicants (follow a request, confirm an address...)"
    )
    documents: tuple[Document, ...] = Field(
        (), description="the PDFs and calendars the workflow makes"
    )
    delivery: Delivery = Field(
        Delivery(), description="the mails' test mode, and who hears of failed calls"
    )
    lms: LmsConnection | None = Field(
        None, description="a learning platform the `lms_*` actions create accounts and enrol in"
    )
    wizard: Wizard = Field(description="what the applicant fills in")
    process: Process = Field(description="the states of a request and the transitions between them")
    webhooks: tuple[Webhook, ...] = Field(
        (), description="events posted to other systems when requests move"
    )
    consents: tuple[ConsentPurpose, ...] = Field(
        (), description="purposes agreed to in the wizard, recorded and exportable"
    )
    retention: tuple[RetentionRule, ...] = Field(
        (), description="how long personal data is kept, by state; erased by the worker"
    )
    migrations: Migrations = Field(
        Migrations(), description="moving requests of earlier versions to this one"
    )
