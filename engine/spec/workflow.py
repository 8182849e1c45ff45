"""The root of a workflow file (`workflows/<id>.yaml`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ..spec_types import DurationOrSetting, Identifier, LocaleCode, SpecModel, Text
from .fields import Expression, FieldItem
from .process import Process
from .reference import ReferenceList


class Setting(SpecModel):
    """A value operators can change in the backoffice; the YAML gives its default."""

    id: Identifier
    label: Text
    type: Literal["text", "email", "boolean", "integer", "duration", "url"]
    default: Any = None
    help: Text | None = None


class Role(SpecModel):
    id: Identifier
    label: Text
    description: Text | None = None
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
    description: Text | None = None


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
    filename: str = Field(min_length=1)
    title: Text | None = None
    of: Literal["request", "session"] = Field(
        "request", description="what the document is made for: one request, or one session"
    )


class StartAction(SpecModel):
    """A choice on the wizard's first screen."""

    kind: Literal["new_request", "log_in", "follow"]
    label: Text
    mail: Identifier | None = Field(
        None,
        description=(
            "for `follow`: the mail template that sends the applicant a link to their requests "
            "(it uses `links.<id>` of the link that `opens: follow`)"
        ),
    )


class Step(SpecModel):
    id: Identifier
    title: Text
    intro: Text | None = None
    visible_if: Expression | None = None
    fields: tuple[FieldItem, ...] = Field(min_length=1)


class Wizard(SpecModel):
    path: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")] = Field(
        description="the URL segment of the wizard: /<path>/<session code>"
    )
    start_actions: tuple[StartAction, ...] = ()
    submit_label: Text = {"fr": "Envoyer ma demande", "en": "Send my request"}
    submitted_message: Text | None = None
    invitation_only: bool = Field(
        False,
        description=(
            "the wizard opens only from an invitation's link (another workflow's `invite`): "
            "no new request from its address, and it is not listed on the home page"
        ),
    )
    steps: tuple[Step, ...] = Field(min_length=1)


class Applicant(SpecModel):
    """Which answers identify the applicant, so the engine can mail them and create accounts."""

    email: Identifier
    first_name: Identifier | None = None
    last_name: Identifier | None = None


class Delivery(SpecModel):
    """Test mode: while the boolean setting is on, mail goes to the role's users instead."""

    test_mode_setting: Identifier | None = None
    test_recipients_role: Identifier | None = None
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

    transitions: tuple[Identifier, ...] = ()
    states: tuple[Identifier, ...] = ()


class Webhook(SpecModel):
    """An HTTP endpoint told of the process's events: a signed JSON POST, through the call
    outbox (sent after the transaction commits, retried). The URL is written here or, so that
    each installation points at its own receiver, read from a setting of type url (an empty
    setting sends nothing). The signing secret is never in the YAML: it comes from the
    environment (`ONBOARDING_WEBHOOK_SECRETS`)."""

    id: Identifier
    url: Annotated[str, Field(pattern=r"^https?://")] | None = None
    url_setting: Identifier | None = None
    on: WebhookTriggers
    notify: Identifier | None = Field(
        None, description="a role told in the backoffice when a delivery fails for good"
    )
    description: Text | None = None


class RetentionNotice(SpecModel):
    """A mail telling the applicant, this long before, that their data will be erased."""

    template: Identifier = Field(description="a folder of mail_templates/")
    before: DurationOrSetting


class RetentionRule(SpecModel):
    """How long the personal data of requests in these states (or state categories) is kept,
    counted from the request's last change. Then it is erased: the request stays, anonymised,
    with its reference, state, session and dates, for counts and statistics."""

    id: Identifier
    states: tuple[Identifier, ...] = ()
    categories: tuple[Identifier, ...] = ()
    after: DurationOrSetting
    notice: RetentionNotice | None = None
    description: Text | None = None


class ConsentPurpose(SpecModel):
    """A purpose an applicant agrees to, or not, by answering a yes/no, checkbox or consent
    field. Recorded at submission with the wording's version and the time, and exportable per
    purpose and training session: the people who agreed, with the answers they agreed to
    share (`shares`)."""

    id: Identifier
    label: Text
    field: Identifier
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
    title: Text
    description: Text | None = None
    locale: LocaleCode = "fr"
    locales: tuple[LocaleCode, ...] = ("fr",)
    organisation: dict[Identifier, str] = Field(
        default_factory=dict, description="the organisation's identity, for mails and PDFs"
    )
    settings: tuple[Setting, ...] = ()
    roles: tuple[Role, ...] = ()
    reference_lists: tuple[ReferenceList, ...] = ()
    applicant: Applicant
    links: tuple[Link, ...] = ()
    documents: tuple[Document, ...] = ()
    delivery: Delivery = Delivery()
    lms: LmsConnection | None = Field(
        None, description="a learning platform the `lms_*` actions create accounts and enrol in"
    )
    wizard: Wizard
    process: Process
    webhooks: tuple[Webhook, ...] = ()
    consents: tuple[ConsentPurpose, ...] = Field(
        (), description="purposes agreed to in the wizard, recorded and exportable"
    )
    retention: tuple[RetentionRule, ...] = Field(
        (), description="how long personal data is kept, by state; erased by the worker"
    )
    migrations: Migrations = Field(
        Migrations(), description="moving requests of earlier versions to this one"
    )
