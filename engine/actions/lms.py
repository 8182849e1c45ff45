"""The learning-platform actions: find or create the applicant's account on the platform,
enrol it in the course of the request's training session, add it to a group of that course.

They only plan calls (`CallOut` of kind "lms"); which platform answers is the workflow's `lms:`
connection, and the connector that speaks its protocol is the application's. The course is
read when the call is made, from the training session's mapping (data, editable), so a
mapping fixed after the firing is used by a retry."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from ..spec_types import Identifier, SpecModel
from .effects import CallOut, Effect
from .registry import ActionKind, ActionRegistry, PlanContext, Reference

KIND = "lms"
# The connection's id: a workflow declares one learning platform, under `lms:`.
CONNECTION = "lms"


class LmsUserParams(SpecModel):
    """The account is found, or created, by the applicant's email. `mail`: a template mailed
    to the applicant once the call has succeeded, which reads `platform_account` (the
    username, whether the platform created the account, where to set or reset the
    password)."""

    mail: Identifier | None = Field(
        None,
        description="mail template sent to the applicant when the account is found or created, "
        "with `platform_account` filled",
    )


class LmsEnrolParams(SpecModel):
    """The account is enrolled in the course of the request's training session."""

    role: Identifier = Field(
        "student",
        description="the role name in the course; the platform's id for it is a product setting",
    )


class LmsGroupParams(SpecModel):
    """The account is added to a group of the session's course, created if missing."""

    group: str = Field(
        min_length=1, max_length=254, description="the group's name or idnumber in the course"
    )


def _person(ctx: PlanContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for role in ("email", "first_name", "last_name"):
        value = ctx.applicant_answer(role)
        if isinstance(value, str) and value.strip():
            found[role] = value.strip()
    return found


def _plan_user(params: LmsUserParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    payload: dict[str, str] = _person(ctx)
    if params.mail:
        payload["mail"] = params.mail
    yield CallOut(key, KIND, "ensure_user", CONNECTION, payload)


def _plan_enrol(params: LmsEnrolParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    payload = {"email": _person(ctx).get("email", ""), "session": ctx.session_code or ""}
    yield CallOut(key, KIND, "enrol", CONNECTION, {**payload, "role": params.role})


def _plan_group(params: LmsGroupParams, ctx: PlanContext, key: str) -> Iterator[Effect]:
    payload = {"email": _person(ctx).get("email", ""), "session": ctx.session_code or ""}
    yield CallOut(key, KIND, "add_to_group", CONNECTION, {**payload, "group": params.group})


def _references(_: object) -> Iterator[Reference]:
    yield Reference("lms", CONNECTION)
    yield Reference("applicant", "email")


def _user_references(params: LmsUserParams) -> Iterator[Reference]:
    yield from _references(params)
    if params.mail:
        yield Reference("template", params.mail, ("mail",))


def register_lms_actions(registry: ActionRegistry) -> None:
    registry.register(
        ActionKind(
            "lms_user",
            LmsUserParams,
            _plan_user,
            _user_references,
            "find the applicant's account on the learning platform by email, or create it",
        )
    )
    registry.register(
        ActionKind(
            "lms_enrol",
            LmsEnrolParams,
            _plan_enrol,
            _references,
            "enrol the applicant's platform account in the course of the training session",
        )
    )
    registry.register(
        ActionKind(
            "lms_group",
            LmsGroupParams,
            _plan_group,
            _references,
            "add the applicant's platform account to a group of the session's course",
        )
    )
