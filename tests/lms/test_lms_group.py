"""The `lms_group` call against the fake Moodle over HTTP, through the performer and the Moodle
connector the application uses: a member is added once enrolled (made again, nothing changes);
before the enrolment, or to a group the course does not have, the call fails for good with an
error that says why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from engine.delivery.calls import CallToMake
from engine.delivery.lms.moodle import MoodleClient, MoodlePlatform
from engine.delivery.lms.platform import LmsPerformer
from tests.lms.fake_moodle import ServedMoodle

TOKEN = "group-test-token-0123456789"
EMAIL = "camille.martin@example.org"


@pytest.fixture
def moodle() -> Iterator[ServedMoodle]:
    served = ServedMoodle()
    served.state.tokens[TOKEN] = frozenset(
        {
            "core_user_get_users_by_field",
            "core_user_create_users",
            "core_course_get_courses_by_field",
            "enrol_manual_enrol_users",
            "core_group_get_course_groups",
            "core_group_add_group_members",
        }
    )
    served.start()
    yield served
    served.stop()


def performer(moodle: ServedMoodle) -> LmsPerformer:
    platform = MoodlePlatform(MoodleClient(moodle.url, SecretStr(TOKEN), timeout=5.0))
    return LmsPerformer(lambda workflow_id: platform, {"student": 5})


def call(operation: str, **payload: Any) -> CallToMake:
    facts = {"session": {"code": "26C03S1", "lms_course": "ELUS-26C03"}}
    return CallToMake(
        id=1,
        workflow_id="onboarding",
        request_id=1,
        kind="lms",
        operation=operation,
        target="lms",
        payload={"email": EMAIL, "session": "26C03S1", **payload},
        attempts=0,
        facts=lambda: facts,
    )


def test_a_member_is_added_once_enrolled(moodle: ServedMoodle) -> None:
    course = moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    group = moodle.state.add_group(course, "Groupe A", idnumber="grp-a")
    run = performer(moodle)
    assert run.perform(call("ensure_user")).ok
    too_early = run.perform(call("add_to_group", group="Groupe A"))
    assert (too_early.ok, too_early.temporary) == (False, False)
    assert "userisnotenrolled" in (too_early.error or "")
    assert moodle.state.members == set()
    assert run.perform(call("enrol", role="student")).ok
    done = run.perform(call("add_to_group", group="grp-a"))  # by idnumber
    [user] = moodle.state.users.values()
    assert done.ok and done.result == {
        "user_id": user["id"],
        "course": "ELUS-26C03",
        "group": "Groupe A",
    }
    assert moodle.state.members == {(group["id"], user["id"])}
    again = run.perform(call("add_to_group", group="Groupe A"))
    assert again.ok and moodle.state.members == {(group["id"], user["id"])}


def test_an_unknown_group_fails_for_good_with_its_name(moodle: ServedMoodle) -> None:
    course = moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    moodle.state.add_group(course, "Groupe A")
    run = performer(moodle)
    assert run.perform(call("ensure_user")).ok
    assert run.perform(call("enrol")).ok
    outcome = run.perform(call("add_to_group", group="Groupe Z"))
    assert (outcome.ok, outcome.temporary) == (False, False)
    assert outcome.error == "no group 'Groupe Z' in the course ELUS-26C03"
    assert moodle.state.calls_of("core_group_add_group_members") == []
