"""Timers counted from a date of the session: the onboarding workflow's convocation a week
before the session starts and its follow-up two days after it ends, each fired once by the
worker (tests/web/test_convocations.py reads the convocation's calendar and the reminder)."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import Site
from .journey import history, mails
from .test_delivery import OPERATOR, confirm, fire, submitted
from .test_waiting_list import timer_round

# The demo session: 2 October 2026, 11:00 to 12:15 in Paris (09:00 to 10:15 UTC).
WEEK_BEFORE = datetime(2026, 9, 25, 9, 0, tzinfo=UTC)
TWO_DAYS_AFTER = datetime(2026, 10, 4, 10, 15, tzinfo=UTC)


def test_the_convocation_goes_once_a_week_before_the_start(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    not_confirmed = submitted(site)  # its address never confirmed: no convocation
    site.clock.moment = WEEK_BEFORE.replace(hour=8)  # an hour early
    # Due by then: the institution's reminder (10 days) and the other request's expiry (7).
    assert timer_round(site) == 2
    assert [m.template for m in mails(site, "convocation")] == []
    site.clock.moment = WEEK_BEFORE
    assert timer_round(site) == 1
    [convocation] = mails(site, "convocation")
    assert convocation.subject.startswith("Convocation : session 26C03S1, ")
    assert convocation.request_id == request_id  # not to `not_confirmed`, expired meanwhile
    assert not_confirmed != request_id
    # Once per request, even after the request changes state.
    fire(site, request_id, "validate_institution", OPERATOR)
    site.clock.advance(hours=1)
    timer_round(site)
    assert len(mails(site, "convocation")) == 1
    assert [h for h in history(site) if h[0] == "send_convocation"] == [
        ("send_convocation", "email_confirmed", "email_confirmed", "timer")
    ]


def test_the_follow_up_goes_two_days_after_the_end_to_registered_trainees(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    for transition in ("validate_institution", "validate_operator", "validate_applicant"):
        fire(site, request_id, transition, OPERATOR)
    site.clock.moment = TWO_DAYS_AFTER.replace(hour=9)
    timer_round(site)
    assert mails(site, "session_follow_up") == []
    site.clock.moment = TWO_DAYS_AFTER
    timer_round(site)
    [follow_up] = mails(site, "session_follow_up")
    assert follow_up.subject == "Session 26C03S1 : merci de votre participation"
    timer_round(site)
    assert len(mails(site, "session_follow_up")) == 1
