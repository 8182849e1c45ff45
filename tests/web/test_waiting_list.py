"""The waiting list that moves by itself: when a seat frees, the first request on the waiting
list (by arrival) is offered it by mail; accepting takes it, declining or letting the offer
lapse passes it to the next; operators see the line and can still promote by hand."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from engine.process.actors import Actor
from engine.service.requests import RequestService
from engine.service.seat_events import fire_seat_events
from engine.service.timers import fire_due_timers
from engine.store.db import make_session_factory
from engine.store.models import OutboxMail, RequestRow, TrainingSession

from .backoffice import manager
from .browser import first_link
from .conftest import Site
from .journey import CODE
from .test_backoffice_reference import rows_of, submit_to
from .test_delivery import OPERATOR, fire, submitted
from .test_links import buttons

HOST = "http://testserver"
NAMES = ["anne", "bruno", "chloe", "denis", "emma"]


def email(name: str) -> str:
    return f"{name}@example.org"


def applicant(site: Site, name: str) -> int:
    """A request sent and confirmed by `name`: it takes a seat, or waits if none is left."""
    address = email(name)
    request_id = submitted(
        site, {"trainee": {"email": address, "email__confirm": address, "first_name": name}}
    )
    with site.db() as db:  # the confirmation link's button: to a seat, or to the waiting list
        service = RequestService(db, site.runtime)
        row = db.get(RequestRow, request_id)
        link = Actor.via_link("confirm_email")
        service.fire(row, service.compiled_for(row), "confirm_email", link, alternatives=True)
        db.commit()
    return request_id


def set_capacity(site: Site, capacity: int) -> None:
    with site.db() as db:
        session = db.execute(
            select(TrainingSession).where(TrainingSession.code == CODE)
        ).scalar_one()
        session.capacity = capacity
        db.commit()


def full_session(site: Site) -> dict[str, int]:
    """Two seats, taken by Anne and Bruno; Chloé, Denis and Emma wait in that order."""
    set_capacity(site, 2)
    ids = {}
    for name in NAMES:
        ids[name] = applicant(site, name)
        site.clock.advance(minutes=5)
    return ids


def states(site: Site) -> dict[str, str]:
    with site.db() as db:
        rows = db.execute(select(RequestRow).order_by(RequestRow.id)).scalars()
        return {r.answers["first_name"]: r.state for r in rows}


def seat_round(site: Site) -> int:
    return fire_seat_events(site.runtime, make_session_factory(site.engine), site.clock.now)


def timer_round(site: Site) -> int:
    return fire_due_timers(site.runtime, make_session_factory(site.engine), site.clock.now)


def offer_mails(site: Site, template: str = "seat_offered") -> list[OutboxMail]:
    with site.db() as db:
        query = select(OutboxMail).where(OutboxMail.template == template)
        return list(db.execute(query.order_by(OutboxMail.id)).scalars())


def offer_link(site: Site, name: str) -> str:
    [mail] = [m for m in offer_mails(site) if m.to == [email(name)]]
    return first_link(mail.text, rf"{HOST}/liens/seat_offer/\S+").removeprefix(HOST)


def test_the_waiting_list_keeps_the_order_of_arrival(site: Site) -> None:
    full_session(site)
    assert states(site) == {
        "anne": "email_confirmed",
        "bruno": "email_confirmed",
        "chloe": "waiting_list",
        "denis": "waiting_list",
        "emma": "waiting_list",
    }
    assert seat_round(site) == 0  # no seat is free: nobody is offered one
    staff = manager(site)
    page = staff.get(f"/backoffice/onboarding/sessions/{CODE}/modifier")
    assert [row[:2] for row in rows_of(page, "#waiting-line")] == [
        ["1", f"{CODE}-0003"],
        ["2", f"{CODE}-0004"],
        ["3", f"{CODE}-0005"],
    ]
    page = staff.get(f"/backoffice/onboarding/demandes/{CODE}-0004")
    assert page.soup.select_one("#request-position").get_text() == "2"


def test_a_cancellation_offers_the_seat_to_the_first_waiting_who_accepts_it(site: Site) -> None:
    ids = full_session(site)
    fire(site, ids["anne"], "cancel_by_operator", OPERATOR)
    assert seat_round(site) == 1
    assert states(site)["chloe"] == "seat_offered"
    assert states(site)["denis"] == "waiting_list"
    [mail] = offer_mails(site)
    assert mail.to == [email("chloe")]
    assert mail.subject == f"Une place s'est libérée dans la session {CODE} : répondez vite"
    # How long the seat is held, said in words from the setting operators change.
    assert "La place vous est réservée pendant 3\xa0jours" in mail.text
    assert "réservée pendant 3\xa0jours" in BeautifulSoup(mail.html, "html.parser").get_text()
    # The offered seat is held: a second round offers nothing more, and a newcomer waits.
    assert seat_round(site) == 0
    applicant(site, "fanny")
    assert states(site)["fanny"] == "waiting_list"

    staff = manager(site)
    page = staff.get(f"/backoffice/onboarding/sessions/{CODE}/modifier")
    assert [row[0] for row in rows_of(page, "#offers")] == [f"{CODE}-0003"]
    assert [row[:2] for row in rows_of(page, "#waiting-line")] == [
        ["1", f"{CODE}-0004"],
        ["2", f"{CODE}-0005"],
        ["3", f"{CODE}-0006"],
    ]
    page = staff.get(f"/backoffice/onboarding/demandes/{CODE}-0003")
    deadlines = page.soup.select_one("#request-deadlines").get_text("\n").splitlines()
    # Three days on; the certificate after the session is another of the request's deadlines.
    assert deadlines[0] == "Place proposée sans réponse : 04/09/2026 10:25"

    browser = site.browser()
    page = browser.get(offer_link(site, "chloe"))
    assert buttons(page) == ["J'accepte la place", "Je refuse la place"]
    page = browser.submit(nav=None, form=0)
    assert page.status == 200
    assert states(site)["chloe"] == "email_confirmed"
    assert seat_round(site) == 0
    # Accepting runs what a confirmation does: the form goes to the institution.
    with site.db() as db:
        templates = db.execute(
            select(OutboxMail.template).where(OutboxMail.to == [email("chloe")])
        ).scalars()
        assert "session_details" in list(templates)


def test_an_offer_that_lapses_goes_to_the_next_one(site: Site) -> None:
    ids = full_session(site)
    fire(site, ids["bruno"], "cancel_by_operator", OPERATOR)
    assert seat_round(site) == 1
    link = offer_link(site, "chloe")
    site.clock.advance(days=2, hours=23)
    assert timer_round(site) == 0
    site.clock.advance(hours=1, minutes=1)
    assert timer_round(site) == 1
    assert states(site)["chloe"] == "offer_lapsed"
    [lapsed] = offer_mails(site, "seat_offer_lapsed")
    assert lapsed.to == [email("chloe")]
    assert seat_round(site) == 1
    assert states(site)["denis"] == "seat_offered"
    assert states(site)["emma"] == "waiting_list"
    # Chloé's link no longer gives her the seat.
    page = site.browser().get(link)
    assert page.status == 410
    assert states(site)["denis"] == "seat_offered"


def test_declining_passes_the_seat_on(site: Site) -> None:
    ids = full_session(site)
    fire(site, ids["anne"], "cancel_by_operator", OPERATOR)
    seat_round(site)
    browser = site.browser()
    page = browser.get(offer_link(site, "chloe"))
    page = browser.submit({"confirmed": "oui"}, nav=None, form=1)
    assert states(site)["chloe"] == "cancelled", page.text[:600]
    assert seat_round(site) == 1
    assert states(site)["denis"] == "seat_offered"


def test_two_seats_freed_at_once_go_to_the_first_two(site: Site) -> None:
    full_session(site)
    staff = manager(site)
    staff.get(f"/backoffice/onboarding/sessions/{CODE}/modifier")
    page = submit_to(staff, f"sessions/{CODE}/modifier", {"capacity": "4"})
    assert "Modifications enregistrées." in page.text
    assert seat_round(site) == 2
    assert states(site) == {
        "anne": "email_confirmed",
        "bruno": "email_confirmed",
        "chloe": "seat_offered",
        "denis": "seat_offered",
        "emma": "waiting_list",
    }
    assert sorted(m.to[0] for m in offer_mails(site)) == [email("chloe"), email("denis")]
    assert seat_round(site) == 0


def test_an_operator_still_promotes_by_hand(site: Site) -> None:
    ids = full_session(site)
    fire(site, ids["anne"], "cancel_by_operator", OPERATOR)
    # Before the worker's round, an operator gives the seat to Emma, the last in line.
    fire(site, ids["emma"], "seat_available", OPERATOR)
    assert states(site)["emma"] == "email_confirmed"
    assert seat_round(site) == 0
    assert states(site)["chloe"] == "waiting_list"


def test_no_seat_is_offered_once_the_session_has_started(site: Site) -> None:
    ids = full_session(site)
    site.clock.advance(days=31, hours=2)  # past 2 October, 11:00 in Paris
    fire(site, ids["anne"], "cancel_by_operator", OPERATOR)
    assert seat_round(site) == 0
    assert states(site)["chloe"] == "waiting_list"
