"""Training sessions from the courses of the workflow's learning platform: a preview of what
importing them would create, refresh or leave as it is, then the chosen ones written in one
transaction.

A session is matched to a course by its `lms_course` (the course's idnumber, or else its
shortname: the mapping the platform calls use). A refresh updates a session's title and dates
from its course and nothing else (capacity, place and opening are the organisation's). A
course that would make a new session gives it a code from its idnumber or shortname, the
course's full name as title, its start and end dates, and the capacity and place the manager
types in the preview; new sessions are created closed to registrations (decision 0009).

The platform is called with no database transaction open (its answer may take seconds), and
through the `LearningPlatform` interface only: which platform it is, is the connector's
business."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..delivery.lms.platform import PlatformCourse, PlatformError
from ..store.models import TrainingSession
from ..translations import Message
from ..wizard.values import clean_text
from .context import Runtime
from .sessions import change_session
from .transaction import writing

CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_CAPACITY = 999_999_999

Action = Literal["create", "update", "same", "skip"]


class PlatformUnavailable(Exception):
    """No platform to ask (`configured` false), or it did not answer as expected; the message
    (a `Message`) says so."""

    def __init__(self, message: str, *, configured: bool = True) -> None:
        super().__init__(message)
        self.configured = configured


class PlatformSessionsConflict(Exception):
    """The sessions changed between the preview and the confirmation: nothing was written."""


@dataclass(frozen=True)
class CourseLine:
    """One course of the platform and what importing it does."""

    course_id: int
    key: str  # what a session's lms_course holds for this course
    shortname: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    action: Action
    code: str  # the session refreshed, or the code a new one gets ("" when skipped)
    changes: tuple[str, ...] = ()
    reason: str = ""


@dataclass
class PlatformPlan:
    lines: list[CourseLine] = field(default_factory=list)

    def of(self, action: Action) -> list[CourseLine]:
        return [line for line in self.lines if line.action == action]

    @property
    def creates(self) -> list[CourseLine]:
        return self.of("create")

    @property
    def updates(self) -> list[CourseLine]:
        return self.of("update")

    @property
    def unchanged(self) -> list[CourseLine]:
        return self.of("same")

    @property
    def skipped(self) -> list[CourseLine]:
        return self.of("skip")

    @property
    def digest(self) -> str:
        """What the preview showed: its confirmation applies only an identical plan."""
        facts = [
            [
                line.course_id,
                line.key,
                line.title,
                line.starts_at.isoformat() if line.starts_at else None,
                line.ends_at.isoformat() if line.ends_at else None,
                line.action,
                line.code,
            ]
            for line in self.lines
        ]
        return hashlib.sha256(json.dumps(facts).encode("utf-8")).hexdigest()


@dataclass
class NewSessionDefaults:
    """What a course does not say and a new session needs."""

    capacity: int | None = None
    place: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def read_defaults(capacity_text: str, place_text: str, *, needed: bool) -> NewSessionDefaults:
    """The capacity and place typed for the sessions to create (`needed`: some are chosen)."""
    defaults = NewSessionDefaults(place=clean_text(place_text, multiline=False))
    if len(defaults.place) > 300:
        defaults.errors["place"] = Message("The place has more than 300 characters.")
    text = clean_text(capacity_text, multiline=False).replace(" ", "")
    if not text:
        if needed:
            defaults.errors["capacity"] = Message(
                "The capacity of the sessions to create is required."
            )
    elif not re.fullmatch(r"\d{1,9}", text):
        defaults.errors["capacity"] = Message("The capacity must be a whole number, zero or more.")
    else:
        defaults.capacity = int(text)
    return defaults


# -- asking the platform ------------------------------------------------------------------------


def platform_courses(db: Session, runtime: Runtime, workflow_id: str) -> list[PlatformCourse]:
    """The platform's courses, asked with no transaction open. PlatformUnavailable when the
    workflow has no configured platform or the platform fails."""
    platform = runtime.platform_for(workflow_id)
    if platform is None:
        raise PlatformUnavailable(
            Message(
                "No training platform is configured for this process: its address and its "
                "token are settings of the product (ONBOARDING_LMS_URL, ONBOARDING_LMS_TOKEN)."
            ),
            configured=False,
        )
    if db.in_transaction():
        db.commit()  # ends the read: nothing is held while the platform answers
    try:
        return platform.courses()
    except PlatformError as error:
        if error.temporary:
            raise PlatformUnavailable(
                Message(
                    "The training platform does not answer at the moment; try again later. "
                    "(Detail: {error})",
                    error=error,
                )
            ) from None
        raise PlatformUnavailable(
            Message(
                "The training platform refused the request for courses. (Detail: {error})",
                error=error,
            )
        ) from None


# -- planning -----------------------------------------------------------------------------------


def _moment(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def _same_moment(a: datetime, b: datetime) -> bool:
    return a.astimezone(UTC).replace(microsecond=0) == b.astimezone(UTC).replace(microsecond=0)


def course_key(course: PlatformCourse) -> str:
    return (course.idnumber or course.shortname).strip()


def proposed_code(course: PlatformCourse) -> str:
    """A session code from the course: its idnumber or shortname when it is a valid code,
    otherwise that name with every other character turned into '-'."""
    for name in (course.idnumber.strip(), course.shortname.strip()):
        if CODE.fullmatch(name):
            return name
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", course.shortname or course.idnumber).strip("-")[:64]
    return slug or f"cours-{course.id}"


def plan_platform_sessions(
    db: Session, workflow_id: str, courses: Iterable[PlatformCourse]
) -> PlatformPlan:
    sessions = list(
        db.execute(
            select(TrainingSession).where(TrainingSession.workflow_id == workflow_id)
        ).scalars()
    )
    by_course: dict[str, list[TrainingSession]] = {}
    for session in sessions:
        if session.lms_course:
            by_course.setdefault(session.lms_course.strip(), []).append(session)
    codes = {session.code for session in sessions}
    plan = PlatformPlan()
    for course in sorted(courses, key=lambda c: (c.starts_at or 0, c.shortname, c.id)):
        key = course_key(course)
        title = clean_text(course.fullname or course.shortname, multiline=False)[:300]
        start, end = _moment(course.starts_at), _moment(course.ends_at)
        dated = start is not None and end is not None and end > start
        facts = {
            "course_id": course.id,
            "key": key,
            "shortname": course.shortname,
            "title": title,
            "starts_at": start if dated else None,
            "ends_at": end if dated else None,
        }
        names = {course.idnumber.strip(), course.shortname.strip()} - {""}
        matched = [s for name in sorted(names) for s in by_course.get(name, [])]
        if not key or not title:
            plan.lines.append(
                CourseLine(
                    **facts,
                    action="skip",
                    code="",
                    reason=Message("the course has neither an id number nor a short name"),
                )
            )
        elif len(matched) > 1:
            found = ", ".join(sorted(s.code for s in matched))
            plan.lines.append(
                CourseLine(
                    **facts,
                    action="skip",
                    code="",
                    reason=Message(
                        "several sessions are linked to this course ({found}): change them one "
                        "by one",
                        found=found,
                    ),
                )
            )
        elif matched:
            session = matched[0]
            changes = []
            if session.title != title:
                changes.append(Message("title"))
            if dated and start is not None and end is not None:
                if not _same_moment(session.starts_at, start):
                    changes.append(Message("start"))
                if not _same_moment(session.ends_at, end):
                    changes.append(Message("end"))
            action: Action = "update" if changes else "same"
            plan.lines.append(
                CourseLine(**facts, action=action, code=session.code, changes=tuple(changes))
            )
        elif not dated:
            plan.lines.append(
                CourseLine(
                    **facts,
                    action="skip",
                    code="",
                    reason=Message(
                        "the course has no start and end dates: give it some on the platform, "
                        "or create the session by hand"
                    ),
                )
            )
        else:
            code = proposed_code(course)
            if code in codes:
                plan.lines.append(
                    CourseLine(
                        **facts,
                        action="skip",
                        code="",
                        reason=Message(
                            "a session already has the code “{code}” without being linked to "
                            "this course: name the course on that session's page",
                            code=code,
                        ),
                    )
                )
                continue
            codes.add(code)
            plan.lines.append(CourseLine(**facts, action="create", code=code))
    return plan


def preview_platform_sessions(db: Session, runtime: Runtime, workflow_id: str) -> PlatformPlan:
    """The platform's courses (asked outside any transaction), then what importing each does."""
    courses = platform_courses(db, runtime, workflow_id)
    return plan_platform_sessions(db, workflow_id, courses)


# -- applying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformImportOutcome:
    created: int
    updated: int
    told: int = 0  # participants to be told that their session's dates changed


def apply_platform_sessions(
    db: Session,
    compiled: CompiledWorkflow,
    plan: PlatformPlan,
    chosen: Collection[int],
    defaults: NewSessionDefaults,
    now: datetime,
) -> PlatformImportOutcome:
    """Creates and refreshes the chosen courses' sessions, in one transaction: all or none.
    What the plan was decided on is read again inside it; a change since then raises
    PlatformSessionsConflict and writes nothing. A refreshed session whose dates moved tells
    its participants (`change_session`)."""
    workflow_id = compiled.spec.id
    told = 0
    lines = [
        line
        for line in plan.lines
        if line.course_id in chosen and line.action in ("create", "update")
    ]
    creates = [line for line in lines if line.action == "create"]
    if creates and defaults.capacity is None:
        raise ValueError("a capacity is needed to create sessions")
    try:
        with writing(db):
            for line in lines:
                existing = db.execute(
                    select(TrainingSession).where(
                        TrainingSession.workflow_id == workflow_id,
                        TrainingSession.code == line.code,
                    )
                ).scalar_one_or_none()
                if line.action == "create":
                    taken = db.execute(
                        select(TrainingSession.code).where(
                            TrainingSession.workflow_id == workflow_id,
                            TrainingSession.lms_course == line.key,
                        )
                    ).first()
                    if existing is not None or taken is not None:
                        raise PlatformSessionsConflict(line.code)
                    db.add(
                        TrainingSession(
                            workflow_id=workflow_id,
                            code=line.code,
                            title=line.title,
                            starts_at=line.starts_at,
                            ends_at=line.ends_at,
                            place=defaults.place,
                            capacity=defaults.capacity,
                            is_open=False,
                            lms_course=line.key,
                        )
                    )
                    continue
                if existing is None or (existing.lms_course or "").strip() not in (
                    line.key,
                    line.shortname.strip(),
                ):
                    raise PlatformSessionsConflict(line.code)
                values: dict[str, object] = {"title": line.title}
                if line.starts_at is not None and line.ends_at is not None:
                    values.update(starts_at=line.starts_at, ends_at=line.ends_at)
                told += change_session(db, compiled, existing, values, now)
            db.flush()
    except IntegrityError as error:
        raise PlatformSessionsConflict(str(error.orig)) from None
    return PlatformImportOutcome(
        created=len(creates), updated=len(lines) - len(creates), told=told
    )
