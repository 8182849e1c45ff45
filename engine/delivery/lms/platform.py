"""What a learning platform's connector implements, and the performer of the `lms` calls
(planned by the `lms_user`, `lms_enrol` and `lms_group` actions) written on that interface
alone: another platform needs only a connector of its own.

Every operation is idempotent, so a call made again (its answer lost, the worker killed) does
nothing twice: an account is looked up by email before one is created, enrolling someone
already enrolled changes nothing, and so does adding a member already in the group."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..calls import CallOutcome, CallToMake


class PlatformError(Exception):
    """A call the platform did not carry out. `temporary`: worth trying again later (the
    platform unreachable, overloaded, in maintenance); otherwise only a change of data or of
    configuration helps. The message never holds a credential."""

    def __init__(self, message: str, *, temporary: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.code = code


@dataclass(frozen=True)
class PlatformUser:
    id: int
    username: str
    email: str


@dataclass(frozen=True)
class PlatformCourse:
    id: int
    shortname: str
    fullname: str
    idnumber: str = ""
    starts_at: int | None = None  # seconds since the epoch, as platforms give them
    ends_at: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlatformGroup:
    id: int
    name: str
    idnumber: str = ""


class LearningPlatform(Protocol):
    def find_user(self, email: str) -> PlatformUser | None: ...

    def create_user(self, email: str, first_name: str, last_name: str) -> PlatformUser:
        """Creates the account; the platform mails its owner how to log in (a generated
        password), so the product never handles the platform's passwords."""
        ...

    def find_course(self, key: str) -> PlatformCourse | None:
        """The course whose idnumber, or else shortname, is `key`."""
        ...

    def courses(self) -> list[PlatformCourse]: ...

    def enrol(self, user_id: int, course_id: int, role_id: int) -> None: ...

    def groups(self, course_id: int) -> list[PlatformGroup]: ...

    def add_to_group(self, group_id: int, user_id: int) -> None: ...

    def password_help_url(self) -> str:
        """Where an account's owner sets or resets the password."""
        ...


class LmsPerformer:
    """Makes the `lms` calls on the platform of the call's workflow."""

    def __init__(
        self,
        platform_for: Callable[[str], LearningPlatform | None],
        roles: Mapping[str, int],
    ) -> None:
        self.platform_for = platform_for
        self.roles = dict(roles)

    def perform(self, call: CallToMake) -> CallOutcome:
        platform = self.platform_for(call.workflow_id)
        if platform is None:
            return CallOutcome(
                ok=False,
                error="no learning platform is configured for this workflow",
                temporary=False,
            )
        operations = {
            "ensure_user": self.ensure_user,
            "enrol": self.enrol,
            "add_to_group": self.add_to_group,
        }
        operation = operations.get(call.operation)
        if operation is None:
            return CallOutcome(
                ok=False, error=f"unknown operation '{call.operation}'", temporary=False
            )
        try:
            return CallOutcome(ok=True, result=operation(platform, call))
        except PlatformError as error:
            return CallOutcome(ok=False, error=str(error), temporary=error.temporary)

    # -- operations ------------------------------------------------------------------------------

    @staticmethod
    def _email(call: CallToMake) -> str:
        email = str(call.payload.get("email") or "").strip()
        if not email:
            raise PlatformError("the request gives no email address", temporary=False)
        return email

    def ensure_user(self, platform: LearningPlatform, call: CallToMake) -> dict[str, Any]:
        email = self._email(call)
        found = platform.find_user(email)
        created = False
        if found is None:
            try:
                found = platform.create_user(
                    email,
                    str(call.payload.get("first_name") or ""),
                    str(call.payload.get("last_name") or ""),
                )
                created = True
            except PlatformError as error:
                # An earlier attempt may have created it and lost the answer: look again.
                found = None if error.temporary else platform.find_user(email)
                if found is None:
                    raise
        return {
            "user_id": found.id,
            "username": found.username,
            "created": created,
            "password_help_url": platform.password_help_url(),
        }

    def _user(self, platform: LearningPlatform, call: CallToMake) -> PlatformUser:
        email = self._email(call)
        user = platform.find_user(email)
        if user is None:
            raise PlatformError(
                f"no account on the platform for {email}: its creation (lms_user) must come first",
                temporary=False,
            )
        return user

    @staticmethod
    def _course(platform: LearningPlatform, call: CallToMake) -> PlatformCourse:
        facts = call.facts()
        session = facts.get("session") or {}
        code = session.get("code") or call.payload.get("session") or ""
        key = str(session.get("lms_course") or "").strip()
        if not key:
            raise PlatformError(
                f"the training session {code} has no course of the platform: set it on the "
                "sessions page, then retry",
                temporary=False,
            )
        course = platform.find_course(key)
        if course is None:
            raise PlatformError(
                f"no course '{key}' (idnumber or shortname) on the platform", temporary=False
            )
        return course

    def enrol(self, platform: LearningPlatform, call: CallToMake) -> dict[str, Any]:
        role = str(call.payload.get("role") or "student")
        role_id = self.roles.get(role)
        if role_id is None:
            raise PlatformError(
                f"no platform role id is configured for the role '{role}'", temporary=False
            )
        course = self._course(platform, call)
        user = self._user(platform, call)
        platform.enrol(user.id, course.id, role_id)
        return {
            "user_id": user.id,
            "username": user.username,
            "course_id": course.id,
            "course": course.shortname,
            "role": role,
            "enrolled": True,
        }

    def add_to_group(self, platform: LearningPlatform, call: CallToMake) -> dict[str, Any]:
        wanted = str(call.payload.get("group") or "")
        course = self._course(platform, call)
        user = self._user(platform, call)
        group = next(
            (g for g in platform.groups(course.id) if wanted in (g.name, g.idnumber)), None
        )
        if group is None:
            raise PlatformError(
                f"no group '{wanted}' in the course {course.shortname}", temporary=False
            )
        platform.add_to_group(group.id, user.id)
        return {"user_id": user.id, "course": course.shortname, "group": group.name}
