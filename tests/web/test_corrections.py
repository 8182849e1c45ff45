"""Answers sent back to the applicant: the operator asks for corrections of the identity and the
mandate, the applicant gets a mail with a link, corrects only those steps and resubmits; the
request page shows the answers before and after. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.store.models import Notification, RequestRow

from .backoffice import manager
from .browser import Browser, Page, first_link
from .journey import CODE, history, mails, requests, submit_request
from .test_backoffice_requests import QUEUE, fire_on_page

HOST = "http://testserver"
REFERENCE = f"{CODE}-0001"
ASKED = "Merci de corriger votre nom de famille (nom d'usage) et votre mandat."
RESUBMIT = "Envoyer ma demande corrigée"


def confirmed_request(site: Any) -> None:
    """Camille's request, sent and its address confirmed through the mailed link."""
    submit_request(site.browser())
    [mail] = mails(site, "confirm_email")
    browser = site.browser()
    browser.get(first_link(mail.text, rf"{HOST}/liens/confirm_email/\S+").removeprefix(HOST))
    browser.submit(nav=None)
    assert requests(site)[0].state == "email_confirmed"


def ask_corrections(site: Any) -> tuple[Browser, str]:
    """The operator asks; the path of the link mailed to the applicant."""
    confirmed_request(site)
    operator = manager(site)
    operator.get(f"{QUEUE}/{REFERENCE}")
    page = fire_on_page(operator, "ask_corrections", {"comment": ASKED})
    assert page.status == 200, page.text[:500]
    [mail] = mails(site, "corrections_requested")
    assert mail.to == ["camille.martin@example.org"]
    assert ASKED in mail.text
    link = first_link(mail.text, rf"{HOST}/liens/corrections/\S+").removeprefix(HOST)
    return operator, link


def field_names(page: Page) -> set[str]:
    form = page.form()
    return {str(e["name"]) for e in form.find_all(["input", "textarea", "select"]) if e.get("name")}


def test_the_applicant_corrects_the_reopened_steps_and_the_history_keeps_both(site: Any) -> None:
    operator, link = ask_corrections(site)
    assert requests(site)[0].state == "corrections_requested"

    applicant = site.browser()
    page = applicant.get(link)
    assert page.status == 200
    assert page.soup.find("h1").get_text() == f"Corriger la demande {REFERENCE}"
    assert ASKED in page.text
    # The reopened steps, filled with the answers given; nothing of the other steps.
    assert [h.get_text() for h in page.soup.select("h2.step-title")] == [
        "Informations sur le stagiaire",
        "Mandat",
    ]
    names = field_names(page)
    assert {"first_name", "last_name", "email", "mandate", "first_mandate_year"} <= names
    assert not names & {"establishment", "funding_method", "dietary_constraints", "terms_accepted"}
    assert page.value("last_name") == "Martin"

    # A wrong answer is refused as in the wizard, what was typed kept.
    page = applicant.submit({"last_name": "Martin-Durand", "first_mandate_year": "1800"}, nav=None)
    assert page.status == 422
    assert (
        page.field_error("first_mandate_year") == "Saisissez une année comprise entre 1945 et 2026."
    )
    assert page.value("last_name") == "Martin-Durand"
    assert requests(site)[0].state == "corrections_requested"

    # Answers of steps not reopened cannot be slipped in.
    page = applicant.submit(
        {"first_mandate_year": "2014", "mandate": "conseiller_municipal"},
        nav=None,
        dietary_constraints="yes",
        dietary_details="Sans gluten",
    )
    assert page.status == 200, page.summary
    assert f"{RESUBMIT} : c'est fait." in page.text
    [row] = requests(site)
    assert row.state == "email_confirmed"
    assert row.answers["last_name"] == "Martin-Durand"
    assert row.answers["first_mandate_year"] == 2014
    assert row.answers["mandate"] == "conseiller_municipal"
    assert row.answers["dietary_constraints"] is False
    assert "dietary_details" not in row.answers
    assert history(site)[-2:] == [
        ("ask_corrections", "email_confirmed", "corrections_requested", "user"),
        ("resubmit_corrections", "corrections_requested", "email_confirmed", "link"),
    ]
    with site.db() as db:
        messages = list(db.execute(select(Notification.message)).scalars())
    assert any(f"Demande {REFERENCE} corrigée par Camille Martin-Durand" in m for m in messages)

    # The request page: what was asked, and each changed answer before and after.
    page = operator.get(f"{QUEUE}/{REFERENCE}")
    section = page.soup.select_one("#corrections-title").find_parent("section")
    text = " ".join(section.get_text(" ").split())
    assert ASKED in text
    assert "Étapes rouvertes : Informations sur le stagiaire, Mandat" in text
    assert "Corrigée le" in text
    rows = [
        [" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])]
        for tr in section.select("tbody tr")
    ]
    assert ["Nom de famille", "Martin", "Martin-Durand"] in rows
    assert ["Année de début du premier mandat d'élu·e", "2020", "2014"] in rows
    assert len(rows) == 3  # the name, the mandate and its year; nothing unchanged


def test_the_link_corrects_once(site: Any) -> None:
    _, link = ask_corrections(site)
    applicant = site.browser()
    stale = applicant.get(link)
    applicant.submit({"last_name": "Durand"}, nav=None)
    assert requests(site)[0].answers["last_name"] == "Durand"

    # Opened again: nothing left to correct, no form.
    page = site.browser().get(link)
    assert page.status == 200
    assert page.soup.select("form") == []
    # The old page's form sent again changes nothing.
    applicant.page = stale
    page = applicant.submit({"last_name": "Autre"}, nav=None)
    assert page.status == 409
    [row] = requests(site)
    assert row.answers["last_name"] == "Durand"
    assert [h[0] for h in history(site)].count("resubmit_corrections") == 1


def test_a_forged_or_expired_link_corrects_nothing(site: Any) -> None:
    _, link = ask_corrections(site)
    token = link.rsplit("/", 1)[1]
    confirmation = first_link(mails(site, "confirm_email")[0].text, rf"{HOST}/liens/\S+")
    forged = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for path in (
        f"/liens/corrections/{forged}",
        f"/liens/corrections/{token[:-4]}",
        # A genuine token of another purpose.
        f"/liens/corrections/{confirmation.rsplit('/', 1)[1]}",
    ):
        page = site.browser().get(path)
        assert page.status == 400, path
        assert page.heading() == "Lien non valide"
    browser = site.browser()
    browser.get(link)
    site.clock.advance(days=14, hours=1)
    assert site.browser().get(link).status == 410
    page = browser.submit({"last_name": "Durand"}, nav=None)
    assert page.status == 410
    [row] = requests(site)
    assert row.answers["last_name"] == "Martin"
    assert row.state == "corrections_requested"


def test_a_request_awaiting_corrections_keeps_its_seat_and_can_be_cancelled(site: Any) -> None:
    operator, _ = ask_corrections(site)
    page = operator.get(f"{QUEUE}/{REFERENCE}")
    assert "Corrections demandées au demandeur" in page.text
    with site.db() as db:
        row = db.execute(select(RequestRow)).scalar_one()
        assert row.state == "corrections_requested"
    page = fire_on_page(operator, "cancel_by_operator")
    assert page.status == 200
    assert requests(site)[0].state == "cancelled"
