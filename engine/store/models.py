"""The database tables, as SQLAlchemy 2 typed mappings. Nothing here knows a particular
workflow: answers are JSON keyed by the spec's field ids, states are the spec's state ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    add_mapped_attribute,
    mapped_column,
    relationship,
)

# Named constraints, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonValue = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SpecVersion(Base):
    """Every version of a workflow that a request started under, with the text of each file it
    used, so that a request keeps running under its own version after the YAML changes."""

    __tablename__ = "spec_versions"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict[str, str]] = mapped_column(JsonValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingSession(Base):
    __tablename__ = "training_sessions"
    __table_args__ = (UniqueConstraint("workflow_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # When registration closes; None: the workflow's delay before the start (the session
    # field's `closes_before_start`). Past its start a session never takes registrations.
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferenceEntryRow(Base):
    """An entry of one of the spec's reference lists: the YAML's initial entries, those operators
    add, and those applicants describe when theirs is missing (with the list's status for it)."""

    __tablename__ = "reference_entries"
    __table_args__ = (
        UniqueConstraint("workflow_id", "list_id", "entry_id"),
        Index("ix_reference_entries_list", "workflow_id", "list_id", "active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    list_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(64), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    values: Mapped[dict[str, Any]] = mapped_column(JsonValue, default=dict)
    # Lower-cased label and searchable values, so search is one indexed-friendly LIKE.
    search_text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(Base):
    """A person who logs in: an applicant whose account was created, or a backoffice user
    (who has roles). Passwords are Argon2id hashes."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    roles: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    # Answers to pre-fill a new request with (the identity given last time).
    profile: Mapped[dict[str, Any]] = mapped_column(JsonValue, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A browser's login holds the version current when it began; logging out, a new password
    # and deactivation move it on, which ends every login begun before (cookies included).
    login_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RequestRow(Base):
    """One applicant's request: a draft while the wizard runs, then a case in the process."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_queue", "workflow_id", "state", "updated_at"),
        Index("ix_requests_email", "applicant_email"),
        Index("ix_requests_session", "workflow_id", "session_code", "state"),
        # The overview's drafts by wizard step, read from the index alone.
        Index("ix_requests_steps", "workflow_id", "state", "submitted_at", "current_step"),
        # The backoffice queue, sorted by date or by reference: every column a filter or a
        # search reads is in the index, so a page never reads the rows it skips (SQLite scans
        # the index alone; PostgreSQL an index-only scan once the table is vacuumed).
        Index(
            "ix_requests_queue_submitted",
            "workflow_id",
            "submitted_at",
            "id",
            "state",
            "session_code",
            "facets",
            "search_text",
        ),
        Index(
            "ix_requests_queue_reference",
            "workflow_id",
            "reference",
            "id",
            "state",
            "session_code",
            "submitted_at",
            "facets",
            "search_text",
        ),
        # One training session's requests, by date or by reference: its page starts where
        # they do, instead of reading every request sorted before them (migration 0008).
        Index(
            "ix_requests_session_submitted",
            "workflow_id",
            "session_code",
            "submitted_at",
            "id",
            "state",
        ),
        Index(
            "ix_requests_session_reference",
            "workflow_id",
            "session_code",
            "reference",
            "id",
            "state",
            "submitted_at",
        ),
        # PostgreSQL only (SQLite has neither index type; autogenerate skips expression
        # indexes there): the chosen entries and the state as an array (migration 0008), which
        # the queue's filters test with `@>` and its tabs with `&&`, and the trigrams of the
        # search words (pg_trgm, when migration 0004 could create the extension), so that a
        # search reads them instead of the table.
        Index(
            "ix_requests_facets_state_gin",
            func.array_append(
                func.string_to_array(literal_column("facets"), literal_column("'|'")),
                literal_column("'state:' || state"),
            ),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_requests_search_trgm",
            func.lower(literal_column("search_text")).label("search_lower"),
            postgresql_using="gin",
            postgresql_ops={"search_lower": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unguessable id used in URLs and links (the integer id is never shown).
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    # Human-friendly, given at submission (`S1-0042`).
    reference: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    spec_hash: Mapped[str] = mapped_column(ForeignKey("spec_versions.content_hash"))
    state: Mapped[str] = mapped_column(String(64))
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    session_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonValue, default=dict)
    current_step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    applicant_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    # Hash of the secret held by the applicant's browser cookie and resume link for a draft.
    draft_secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Written at submission (engine/service/request_columns.py) for the backoffice queue, so
    # that its pages never read the answers: the applicant's name as shown, the words a search
    # looks in (reference, name, email; lower case, no accents) and the reference entries
    # chosen (`|field=entry|...`).
    applicant_name: Mapped[str | None] = mapped_column(String(400), nullable=True)
    search_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    facets: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Personal data lifecycle (migration 0012): when the applicant was told their data would
    # be erased, and when it was (the request stays, anonymised, for counts and statistics).
    retention_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # The version column makes every UPDATE check that nobody changed the row meanwhile.
    __mapper_args__ = {"version_id_col": version}

    history: Mapped[list[HistoryRow]] = relationship(
        back_populates="request", order_by="HistoryRow.id", cascade="all, delete-orphan"
    )


class RequestCount(Base):
    """How many requests each (workflow, state, training session) has: what the queue's tabs
    and the overview show, without counting a million rows on every page. Kept by triggers on
    `requests` (migration 0007), so every writer keeps it right, in the writer's transaction.
    `session_code` is '' for requests without one. A migration that rebuilds `requests` on
    SQLite (batch mode copies the table) must create the triggers again."""

    __tablename__ = "request_counts"

    workflow_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class HistoryRow(Base):
    __tablename__ = "request_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    transition: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(16))  # applicant, user, link, timer
    actor_name: Mapped[str] = mapped_column(String(320), default="")
    role: Mapped[str | None] = mapped_column(String(64), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[RequestRow] = relationship(back_populates="history")


class OutboxMail(Base):
    """A mail to send, written in the same transaction as the state change that caused it.
    `dedupe_key` (request, firing, action) makes a replayed firing queue nothing twice."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    workflow_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    template: Mapped[str] = mapped_column(String(100))
    to: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    cc: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # Ids of rows of `documents`, resolved when the mail was queued.
    attachments: Mapped[list[int]] = mapped_column(JsonValue, default=list)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Test mode: who received it instead of its recipients.
    redirected_to: Mapped[list[str] | None] = mapped_column(JsonValue, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DocumentRow(Base):
    """A generated document (the registration form...), kept as sent: every mail that attaches
    it attaches these same bytes."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    document_id: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkflowSetting(Base):
    """A setting changed from its default (the spec gives the defaults)."""

    __tablename__ = "workflow_settings"

    workflow_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonValue)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notification(Base):
    """A message for the backoffice users who hold a role."""

    __tablename__ = "notifications"
    # A role's notifications in the order they were written: the pages read it from the end,
    # the unread counter only above the reader's watermark.
    __table_args__ = (Index("ix_notifications_role_id", "role", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Counter(Base):
    """Monotonic counters, one per reference prefix (`S1` → 42)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class LoginThrottle(Base):
    """Failed logins per key (an address, a client), shared by every web process."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotificationRead(Base):
    """Which user has read which notification (notifications go to roles, reading is personal)."""

    __tablename__ = "notification_reads"
    # The header's unread counter asks "what has this user read?" on every backoffice page.
    __table_args__ = (Index("ix_notification_reads_account", "account_id", "notification_id"),)

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationWatermark(Base):
    """Every notification of `role` up to `read_through` has been read by this user, so that
    the unread counter looks only above it (and at the reads recorded there), however many
    notifications the years have piled up. No row: nothing of that role read yet."""

    __tablename__ = "notification_watermarks"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    read_through: Mapped[int] = mapped_column(Integer, default=0)


class FollowLink(Base):
    """The "my requests" link mailed to an applicant: its address carries this random id
    (signed), never the email, which stays here until the link's lifetime is over."""

    __tablename__ = "follow_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CacheVersion(Base):
    """A counter per kind of data the web processes keep in memory (training sessions and their
    seats, reference entries, settings), bumped by triggers (migration 0006) in the transaction
    of every write to that data."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


# -- Outbound calls (migration 0009) -------------------------------------------------------------


class OutboxCall(Base):
    """A call to another system (a learning platform, a webhook...) planned by a firing, written
    in the same transaction as the state change, made by the call worker. `payload` holds no
    secret and `last_error` never a credential: the performer keeps those."""

    __tablename__ = "outbox_calls"
    __table_args__ = (
        Index("ix_outbox_calls_due", "status", "next_attempt_at"),
        # The webhook delivery log: one workflow's calls of a kind, newest first.
        Index("ix_outbox_calls_log", "workflow_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id"), index=True, nullable=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    operation: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonValue, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonValue, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# The course of a learning platform that a training session is given in (the course's idnumber
# or shortname), editable on the sessions page: added here, beside the calls that use it.
add_mapped_attribute(
    TrainingSession, "lms_course", mapped_column("lms_course", String(255), nullable=True)
)


# -- the JSON API's tokens ----------------------------------------------------------------------


class ApiToken(Base):
    """A token a program presents to the JSON API (`Authorization: Bearer ...`), acting with
    one role. Only the token's SHA-256 is kept (engine/service/api_tokens.py says why not
    Argon2), with its first characters to recognise it in a list."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# -- Consents (migration 0013) -------------------------------------------------------------------


class ConsentRecord(Base):
    """What an applicant answered to a purpose the workflow declares (`consents:`), with the
    version of the wording and the time: written at submission, read by the per-purpose export."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_purpose", "workflow_id", "purpose", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    granted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- Attendance (migration 0014) -----------------------------------------------------------------


class AttendanceMark(Base):
    """Whether a request's participant was there for one half-day of its training session
    (`engine/half_days.py` keys half-days `YYYY-MM-DD:am|pm`), with who recorded it and when.
    No row: not recorded."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("request_id", "half_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    half_day: Mapped[str] = mapped_column(String(16))
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- Calendars and changed sessions (migration 0015) ---------------------------------------------

# How many times the session's dates or place changed: the SEQUENCE of the calendar events sent
# for it, so that an updated event replaces the earlier one in its recipients' calendars.
add_mapped_attribute(
    TrainingSession,
    "revision",
    mapped_column("revision", Integer, default=0, server_default="0", nullable=False),
)
# The document's media type; None: a PDF (every document made before calendars were).
add_mapped_attribute(
    DocumentRow, "content_type", mapped_column("content_type", String(100), nullable=True)
)


class SessionChangeNotice(Base):
    """A request that held a seat in a training session when its dates or place changed, to be
    told: written in the change's transaction, one row per request and revision, and closed
    (`done_at`) once the worker fired the request's `session_changed` transition, or found it
    had none to fire any more."""

    __tablename__ = "session_change_notices"
    __table_args__ = (
        UniqueConstraint("request_id", "revision"),
        Index("ix_session_change_notices_pending", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    workflow_id: Mapped[str] = mapped_column(String(64))
    session_code: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SettingChange(Base):
    """Every change of a setting by an operator, with its time and author: what the settings
    page shows under the values. The spec's defaults are versioned with the spec itself (each
    version keeps its files), so only operators' changes are recorded here."""

    __tablename__ = "setting_changes"
    __table_args__ = (Index("ix_setting_changes_workflow", "workflow_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    # None: the setting had no value of its own (its default applied).
    previous: Mapped[Any] = mapped_column(JsonValue, nullable=True)
    value: Mapped[Any] = mapped_column(JsonValue, nullable=True)
    author: Mapped[str] = mapped_column(String(320), default="")
    # The version whose files gave the default at the time.
    spec_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

# -- Answers sent back to the applicant (migration 0018) ------------------------------------------


class AnswerCorrection(Base):
    """Steps of a request's answers sent back to its applicant by a `reopen` action, written in
    the firing's transaction. The applicant corrects them through the mailed link: `before` and
    `after` keep the answers of those steps as they were and as corrected, and `closed_at` is
    set when the resubmission (`resubmit`, a transition) fired, or when a later reopening of
    the same request replaced this one (`superseded`)."""

    __tablename__ = "answer_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    steps: Mapped[list[str]] = mapped_column(JsonValue)
    resubmit: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_by: Mapped[str] = mapped_column(String(320), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonValue, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonValue, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
