"""Sessions through time: registration closes at a declared moment (the session's own date, or
the workflow's delay before its start), closed and past sessions are not offered, and an
applicant halfway through the wizard is told so, with the draft kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.service.seed import read_seed, resolve_moment
from engine.store.models import RequestRow, TrainingSession

from .backoffice import manager
from .browser import Page
from .conftest import PROJECT, Site
from .journey import ANSWERS, CODE, START, fill_until, requests, step_of
from .test_backoffice_reference import rows_of, submit_to

# The demo session starts on 2 October 2026 at 11:00 in Paris (09:00 UTC); the onboarding
# workflow closes registration two days before (its `registration_closing_delay` setting).
CLOSES = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)


def listed(site: Site) -> list[str]:
    page = site.browser().get("/")
    return [a["href"].rsplit("/", 1)[1] for a in page.soup.select("a[href^='/inscription/']")]


def move_clock_to(site: Site, moment: datetime) -> None:
    site.clock.moment = moment


def test_a_session_closes_two_days_before_its_start_and_is_no_longer_listed(site: Site) -> None:
    assert CODE in listed(site)
    move_clock_to(site, CLOSES - timedelta(hours=1))
    assert CODE in listed(site)  # an hour before closing
    assert site.browser().get(START).status == 200
    move_clock_to(site, CLOSES)
    assert CODE not in listed(site)
    assert "26C04S2" in listed(site)  # the others are still open
    page = site.browser().get(START)
    assert page.status == 410
    assert page.heading() == "Inscriptions closes"
    assert (
        f"Les inscriptions à la session {CODE} sont closes depuis le "
        "mercredi 30 septembre 2026, 11:00." in page.text
    )


def test_a_session_of_the_past_takes_no_registration(site: Site) -> None:
    with site.db() as db:
        db.add(
            TrainingSession(
                workflow_id="onboarding",
                code="26C01S1",
                title="Passée",
                starts_at=datetime(2026, 8, 20, 9, 0, tzinfo=UTC),
                ends_at=datetime(2026, 8, 20, 12, 0, tzinfo=UTC),
                capacity=10,
                is_open=True,
            )
        )
        db.commit()
    assert "26C01S1" not in listed(site)
    page = site.browser().get("/inscription/26C01S1")
    assert page.status == 410
    # It closed two days before its start, which is past: that is the date given.
    assert "closes depuis le mardi 18 août 2026, 11:00" in page.text
    # Nor can a form be posted to it.
    page = site.browser().post("/inscription/26C01S1", {"_action": "new_request"})
    assert page.status == 410
    assert requests(site) == []


def test_a_draft_open_when_the_session_closes_is_kept_and_told_why(site: Site) -> None:
    browser = site.browser()
    page = fill_until(browser, "establishment")
    assert step_of(page) == "trainee"
    move_clock_to(site, CLOSES)
    page = browser.submit(ANSWERS["trainee"])
    assert page.status == 410
    assert page.heading() == "Inscriptions closes"
    assert "votre demande en cours ne peut plus être envoyée. Vos réponses sont conservées." in (
        page.text
    )
    assert "formation@hgi.example" in page.text
    # The entry page says the same to this browser, and the draft's answers are all there.
    page = browser.get(START)
    assert page.status == 410
    assert "Vos réponses sont conservées" in page.text
    [draft] = requests(site)
    assert draft.submitted_at is None
    assert draft.answers["establishment"] == "ville_lyon"
    assert draft.current_step == "trainee"

    # An operator gives the session a later closing date: the applicant goes on where they were.
    staff = manager(site)
    staff.get("/backoffice/onboarding/sessions/26C03S1/modifier")
    page = submit_to(
        staff,
        "sessions/26C03S1/modifier",
        {"registration_closes_at": "01/10/2026 18:00"},
    )
    assert "Modifications enregistrées." in page.text
    page = browser.get(START)
    assert step_of(page) == "trainee"
    assert "Vous reprenez votre demande" in page.text
    page = fill_until_end(browser, page)
    assert "Demande envoyée" in page.text


def fill_until_end(browser, page: Page) -> Page:
    steps = list(ANSWERS)
    for step in steps[steps.index(step_of(page)) :]:
        page = browser.submit(ANSWERS[step])
        assert page.status == 200, (step, page.summary)
    return page


def test_a_closing_date_of_its_own_is_checked_and_used(site: Site) -> None:
    staff = manager(site)
    staff.get("/backoffice/onboarding/sessions/26C04S2/modifier")
    page = submit_to(
        staff,
        "sessions/26C04S2/modifier",
        {"registration_closes_at": "16/01/2027 09:00"},
    )
    assert page.status == 422
    assert page.field_error("registration_closes_at") == (
        "La clôture des inscriptions doit précéder le début de la session."
    )
    page = submit_to(
        staff,
        "sessions/26C04S2/modifier",
        {"registration_closes_at": "01/09/2026 10:30"},  # in 30 minutes (10:00 in Paris now)
    )
    assert "Modifications enregistrées." in page.text
    assert "26C04S2" in listed(site)
    row = {r[0]: r for r in rows_of(staff.get("/backoffice/onboarding/sessions"), "table")}
    assert row["26C04S2"][8].startswith("Ouvertes jusqu'au 01/09/2026 10:30")
    assert row[CODE][8].startswith("Ouvertes jusqu'au 30/09/2026 11:00")
    site.clock.advance(minutes=31)
    assert "26C04S2" not in listed(site)
    row = {r[0]: r for r in rows_of(staff.get("/backoffice/onboarding/sessions"), "table")}
    assert row["26C04S2"][8].startswith("Closes le 01/09/2026 10:30")
    assert CODE in listed(site)  # the default delay still applies to the others


def test_the_demo_dates_count_from_the_day_they_are_loaded() -> None:
    seed = read_seed(PROJECT / "demo" / "onboarding.yaml")
    [guide] = [s for s in seed.sessions if s.code == CODE]
    assert guide.title.startswith("Transformer le patrimoine communal")
    paris = ZoneInfo("Europe/Paris")
    for today in (datetime(2026, 9, 1).date(), datetime(2031, 3, 14).date()):
        starts = resolve_moment(guide.starts_at, today, paris)
        assert (starts.date() - today).days == 31
        assert starts.hour == 11


def test_a_submitted_request_goes_on_after_the_session_closes(site: Site) -> None:
    from .test_delivery import confirm, submitted

    request_id = submitted(site)
    move_clock_to(site, CLOSES)
    confirm(site, request_id)
    with site.db() as db:
        row = db.execute(select(RequestRow).where(RequestRow.id == request_id)).scalar_one()
        assert row.state == "email_confirmed"
