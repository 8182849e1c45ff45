"""The onboarding workflow's calls to its learning platform, against the fake Moodle served on
127.0.0.1: the whole journey creates one account and one enrolment; an existing account is
reused; the platform down then back loses nothing and does nothing twice; a permanent error
and a wrong token reach the operators, who retry once it is fixed. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from app.factory import accepts_call
from app.worker import Worker
from engine.service.calls import calls_of
from engine.store.models import Notification, OutboxCall, RequestRow, TrainingSession
from tests.lms.fake_moodle import ServedMoodle

from .backoffice import manager
from .browser import form_values
from .conftest import Site
from .journey import CODE
from .test_delivery import APPLICANT, OPERATOR, confirm, fire, submitted

TOKEN = "s3cr3t-token-0123456789abcdef"
ALLOWED = frozenset(
    {
        "core_user_get_users_by_field",
        "core_user_create_users",
        "core_course_get_courses_by_field",
        "enrol_manual_enrol_users",
        "core_group_get_course_groups",
        "core_group_add_group_members",
    }
)


@pytest.fixture
def moodle() -> Iterator[ServedMoodle]:
    served = ServedMoodle()
    served.state.tokens[TOKEN] = ALLOWED
    served.start()
    yield served
    served.stop()


def connect(
    site: Site, moodle: ServedMoodle, token: str = TOKEN, course: str = "ELUS-26C03"
) -> Worker:
    """The site configured for the platform, the session mapped to its course, and a worker."""
    settings = site.settings.model_copy(
        update={"lms_url": moodle.url, "lms_token": SecretStr(token), "call_timeout": 5.0}
    )
    site.runtime.settings = settings
    site.runtime.accepts_call = accepts_call(settings)
    with site.db() as db:
        db.execute(
            update(TrainingSession).where(TrainingSession.code == CODE).values(lms_course=course)
        )
        db.commit()
    return Worker(site.runtime, site.engine, transport_factory=lambda: _NoMail())


class _NoMail:
    """Mails are not what these tests look at: accepted and dropped."""

    def send(self, envelope: object) -> None:
        return None

    def close(self) -> None:
        return None


def to_account_creation(site: Site) -> int:
    request_id = submitted(site)
    confirm(site, request_id)
    fire(site, request_id, "validate_institution", OPERATOR)
    fire(site, request_id, "validate_operator", OPERATOR)
    return request_id


def calls(site: Site, request_id: int) -> list[OutboxCall]:
    with site.db() as db:
        return calls_of(db, request_id)


def page_of(site: Site, request_id: int):
    with site.db() as db:
        reference = db.get(RequestRow, request_id).reference
    browser = manager(site)
    return browser, browser.get(f"/backoffice/onboarding/demandes/{reference}")


def test_the_journey_creates_one_account_and_one_enrolment(
    site: Site, moodle: ServedMoodle
) -> None:
    course = moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    run = connect(site, moodle)
    request_id = to_account_creation(site)
    assert [(c.operation, c.status) for c in calls(site, request_id)] == [
        ("ensure_user", "queued"),
        ("enrol", "queued"),
    ]
    run.run_once()
    run.run_once()  # a second round does nothing more
    fire(site, request_id, "validate_applicant", OPERATOR)
    with site.db() as db:
        assert db.get(RequestRow, request_id).state == "registered"
    [user] = [u for u in moodle.state.users.values() if u["email"] == APPLICANT]
    assert len(moodle.state.users) == 1
    assert user["username"] == APPLICANT.lower()
    assert moodle.state.enrolments == {(user["id"], course.id): 5}
    # Moodle mails the generated password itself, once.
    assert moodle.state.mails == [{"to": APPLICANT, "username": APPLICANT.lower()}]
    done = calls(site, request_id)
    assert [c.status for c in done] == ["done", "done"]
    assert done[0].result["user_id"] == user["id"] and done[0].result["created"] is True
    _, page = page_of(site, request_id)
    results = [" ".join(td.get_text().split()) for td in page.soup.select("#calls .call-result")]
    assert results[0].startswith(f"compte n° {user['id']} ({APPLICANT.lower()}), créé")
    assert "inscrit au cours ELUS-26C03 (rôle student)" in results[1]
    assert TOKEN not in page.text


def test_an_existing_account_is_reused(site: Site, moodle: ServedMoodle) -> None:
    course = moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    existing = moodle.state.add_user("cmartin", APPLICANT.upper())
    run = connect(site, moodle)
    request_id = to_account_creation(site)
    run.run_once()
    assert moodle.state.calls_of("core_user_create_users") == []
    assert len(moodle.state.users) == 1
    assert moodle.state.enrolments == {(existing["id"], course.id): 5}
    first = calls(site, request_id)[0]
    assert first.result == {
        "user_id": existing["id"],
        "username": "cmartin",
        "created": False,
        "password_help_url": f"{moodle.url}/login/forgot_password.php",
    }


def test_platform_down_then_back_loses_nothing_and_does_nothing_twice(
    site: Site, moodle: ServedMoodle
) -> None:
    course = moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    run = connect(site, moodle)
    moodle.stop()
    request_id = to_account_creation(site)
    run.run_once()
    first, second = calls(site, request_id)
    assert (first.status, first.attempts) == ("queued", 1)
    assert "could not be reached" in (first.last_error or "")
    assert (second.status, second.attempts) == ("queued", 0)  # waits for the account
    moodle.start()
    run.run_once()  # not due yet: nothing made
    assert moodle.state.calls == []
    # Back, and the account's creation answer is lost once: made, but answered 502.
    moodle.state.faults.append(lambda function: None)  # the lookup goes through
    moodle.state.faults.append(lose_answer_of(moodle))
    site.clock.advance(minutes=1)
    run.run_once()
    assert [c.status for c in calls(site, request_id)] == ["queued", "queued"]
    assert len(moodle.state.users) == 1  # created, answer lost
    site.clock.advance(minutes=2)
    run.run_once()
    assert [c.status for c in calls(site, request_id)] == ["done", "done"]
    [user] = moodle.state.users.values()
    assert len(moodle.state.calls_of("core_user_create_users")) == 1
    assert moodle.state.enrolments == {(user["id"], course.id): 5}
    assert calls(site, request_id)[0].result["user_id"] == user["id"]


def lose_answer_of(moodle: ServedMoodle):
    """A fault that lets Moodle create the account, then answers 502 (a proxy timing out)."""

    def fault(function: str) -> tuple[int, bytes] | None:
        if function != "core_user_create_users":
            return None
        moodle.state.add_user(APPLICANT.lower(), APPLICANT)
        moodle.state.calls.append((function, {}))
        return 502, b"<html>Bad gateway</html>"

    return fault


def test_a_permanent_error_reaches_the_operators_who_retry_once_fixed(
    site: Site, moodle: ServedMoodle
) -> None:
    course = moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03", manual_enrolment=False)
    run = connect(site, moodle)
    request_id = to_account_creation(site)
    run.run_once()
    first, second = calls(site, request_id)
    assert first.status == "done"
    assert second.status == "failed" and second.attempts == 1
    assert "wsnoinstance" in second.last_error
    with site.db() as db:
        [note] = (
            db.execute(
                select(Notification).where(
                    Notification.request_id == request_id, Notification.dedupe_key.like("call:%")
                )
            )
            .scalars()
            .all()
        )
        assert note.role == "registration_manager"
        # In the workflow's language (French), with the request it concerns.
        assert note.message.startswith("Échec de l'appel lms")
        assert "(demande " in note.message and "wsnoinstance" in note.message
    browser, page = page_of(site, request_id)
    assert "wsnoinstance" in page.soup.select_one("#calls .call-error").get_text()
    [form] = page.soup.select("#calls form")
    # Fixed on the platform, then retried from the request's page.
    course.manual_enrolment = True
    answer = browser.client.post(
        str(form["action"]), data=form_values(form), follow_redirects=False
    )
    assert answer.status_code == 303
    assert calls(site, request_id)[1].status == "queued"
    again = browser.client.post(str(form["action"]), data=form_values(form), follow_redirects=False)
    assert again.status_code == 409  # no longer failed: requeued once
    run.run_once()
    assert calls(site, request_id)[1].status == "done"
    [user] = moodle.state.users.values()
    assert moodle.state.enrolments == {(user["id"], course.id): 5}


def test_retry_needs_the_form_token(site: Site, moodle: ServedMoodle) -> None:
    moodle.state.add_course("OTHER")
    run = connect(site, moodle, course="MISSING")
    request_id = to_account_creation(site)
    run.run_once()
    assert calls(site, request_id)[1].status == "failed"
    assert "no course 'MISSING'" in calls(site, request_id)[1].last_error
    browser, page = page_of(site, request_id)
    [form] = page.soup.select("#calls form")
    values = {k: v for k, v in form_values(form).items() if "csrf" not in k}
    answer = browser.client.post(str(form["action"]), data=values, follow_redirects=False)
    assert answer.status_code == 400
    assert calls(site, request_id)[1].status == "failed"


def test_a_wrong_token_fails_with_a_clear_error_and_never_shows_the_token(
    site: Site, moodle: ServedMoodle
) -> None:
    moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    wrong = "wrong-token-fedcba9876543210"
    run = connect(site, moodle, token=wrong)
    request_id = to_account_creation(site)
    run.run_once()
    first, second = calls(site, request_id)
    assert first.status == "failed"
    assert "refused the token" in first.last_error and "invalidtoken" in first.last_error
    assert wrong not in first.last_error and wrong not in str(first.payload)
    assert second.status == "failed" and "invalidtoken" in second.last_error
    assert moodle.state.users == {}
    _, page = page_of(site, request_id)
    assert wrong not in page.text


def test_without_a_platform_address_no_call_is_planned(site: Site) -> None:
    request_id = to_account_creation(site)
    fire(site, request_id, "validate_applicant", OPERATOR)
    with site.db() as db:
        assert db.get(RequestRow, request_id).state == "registered"
        assert db.execute(select(OutboxCall)).scalars().all() == []


def test_the_sessions_page_maps_a_session_to_its_course(site: Site) -> None:
    browser = manager(site)
    page = browser.get(f"/backoffice/onboarding/sessions/{CODE}/modifier")
    form = page.soup.select_one("form[action$='/modifier']")
    values = {**form_values(form), "lms_course": "  ELUS-26C03 "}
    answer = browser.client.post(str(form["action"]), data=values, follow_redirects=False)
    assert answer.status_code == 303
    with site.db() as db:
        session = db.execute(
            select(TrainingSession).where(TrainingSession.code == CODE)
        ).scalar_one()
        assert session.lms_course == "ELUS-26C03"
    page = browser.get(f"/backoffice/onboarding/sessions/{CODE}/modifier")
    assert page.soup.select_one("#lms_course")["value"] == "ELUS-26C03"
