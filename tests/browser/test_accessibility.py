"""Every page of the wizard and of the backoffice, on a desktop screen and on a 375 px phone:
axe-core finds no serious or critical violation, and on the phone no page scrolls sideways."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from . import backoffice
from .conftest import NewPage
from .harness import ADMIN_EMAIL, ADMIN_PASSWORD, ServedApp
from .inspection import Inspection
from .wizard import START, Applicant, fill_wizard, first_link, next_step, start_new_request

WIDTHS = pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])


def test_the_inspection_sees_what_it_looks_for(new_page: NewPage) -> None:
    """A page built to fail: an unnamed button, an unlabelled field, a too wide block."""
    page = new_page(width=375)
    page.set_content(
        '<html lang="fr"><head><title>t</title></head><body><main>'
        '<button></button><input type="text"><div style="width: 900px">large</div>'
        "</main></body></html>"
    )
    inspection = Inspection(narrow=True)
    inspection.check(page, "broken")
    problems = "\n".join(inspection.problems)
    assert "button-name" in problems and "label" in problems, problems
    assert "scrolls sideways, 9" in problems, problems


def someone(tag: str) -> Applicant:
    return Applicant(
        first_name="Inès",
        last_name="Rousseau",
        email=f"ines.rousseau.{tag}@example.org",
        search="Lyon",
        establishment="Ville de Lyon",
        dietary="Sans lactose.",
        disability="Boucle magnétique pour malentendants.",
    )


@WIDTHS
def test_every_wizard_page(app: ServedApp, new_page: NewPage, width: int) -> None:
    inspection = Inspection(narrow=width < 600)
    page = new_page(width=width)
    person = someone(uuid.uuid4().hex[:8])

    page.goto("/")
    inspection.check(page, "home")
    page.goto(START)
    inspection.check(page, "step 1")
    page.get_by_label("J'ai déjà un compte").check()
    next_step(page)
    inspection.check(page, "applicant login")
    page.goto(START)
    page.get_by_label("Suivre ou annuler une demande").check()
    next_step(page)
    inspection.check(page, "follow")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator("#error-summary")).to_be_visible()
    inspection.check(page, "follow with an error")

    start_new_request(page)
    next_step(page)  # nothing chosen: the step comes back with its errors
    expect(page.locator("#error-summary")).to_be_visible()
    inspection.check(page, "step 2 with an error")

    def look(p: Page, step: str) -> None:
        inspection.check(p, step)
        if step == "trainee":
            # The link to resume later is shown whole, however narrow the screen.
            link = p.locator("#resume-link")
            expect(link).to_have_value(re.compile(rf"^{re.escape(app.base_url)}/.+/reprendre/"))
            shown = link.evaluate(
                "el => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight"
            )
            assert shown, "the resume link is cut off"

    reference = fill_wizard(page, person, visit=look)

    confirm = app.mail_to(person.email, "confirm_email")
    page.goto(first_link(confirm.text, rf"{app.base_url}/liens/\S+"))
    inspection.check(page, "confirmation link")
    page.get_by_role("button", name="Confirmer mon adresse électronique").click()
    expect(page.get_by_role("status")).to_contain_text("c'est fait")
    inspection.check(page, "confirmation done")

    page.goto(START)
    page.get_by_label("Suivre ou annuler une demande").check()
    next_step(page)
    page.get_by_label("Adresse électronique").fill(person.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    listing = app.mail_to(person.email, "follow_requests")
    page.goto(first_link(listing.text, rf"{app.base_url}/mes-demandes/\S+"))
    inspection.check(page, "my requests")
    with page.expect_navigation():
        page.locator("li.session-item", has_text=reference).get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(reference)
    inspection.check(page, "one of my requests")

    start_new_request(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Annuler").click()
    expect(page.locator("h2, h1").filter(has_text="Abandonner la demande")).to_be_visible()
    inspection.check(page, "abandon a draft")
    page.goto("/inscription/NOSUCHCODE")
    inspection.check(page, "unknown session")

    inspection.assert_clean()


@WIDTHS
def test_every_backoffice_page(app: ServedApp, new_page: NewPage, width: int) -> None:
    inspection = Inspection(narrow=width < 600)
    applicant = new_page(width=width)
    person = someone(uuid.uuid4().hex[:8])
    start_new_request(applicant)
    reference = fill_wizard(applicant, person)
    confirm = app.mail_to(person.email, "confirm_email")
    applicant.goto(first_link(confirm.text, rf"{app.base_url}/liens/\S+"))
    applicant.get_by_role("button", name="Confirmer mon adresse électronique").click()
    expect(applicant.get_by_role("status")).to_contain_text("c'est fait")

    page = new_page(width=width)
    page.goto(backoffice.DESK + "/demandes")
    inspection.check(page, "backoffice login")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#error-summary")).to_be_visible()
    inspection.check(page, "backoffice login with an error")
    backoffice.log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)

    menu = [
        (link.inner_text().strip(), link.get_attribute("href") or "")
        for link in page.locator(".bo-nav a").all()
    ]
    assert [label.split()[0] for label, _ in menu] == [
        "Demandes", "Notifications", "Vue", "Courriels", "Webhooks", "Présence", "Sessions",
        "Listes", "Test",
        "Export", "Consentements", "Réglages", "Utilisateurs", "Jetons",
    ]  # fmt: skip
    for label, href in menu:
        page.goto(href)
        inspection.check(page, label)
        if label == "Courriels":
            with page.expect_navigation():
                page.get_by_role("link", name=re.compile(reference)).first.click()
            expect(page.locator("h1")).to_contain_text(reference)
            inspection.check(page, "one mail")

    backoffice.open_request(page, reference)
    inspection.check(page, "request")
    backoffice.fire(
        page,
        "Instance de validation : bulletin signé reçu",
        "Validée par l'instance de validation",
    )
    backoffice.fire(
        page, "Validation HGI : créer le compte du stagiaire", "Validée par HGI — compte créé"
    )
    inspection.check(page, "request further on")
    account = app.mail_to(person.email, "account_created")
    applicant.goto(first_link(account.text, rf"{app.base_url}/liens/\S+"))
    applicant.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(applicant.locator("#error-summary")).to_be_visible()
    inspection.check(applicant, "password link with an error")

    for path, name in [
        ("/listes/establishments", "establishments"),
        ("/listes/establishments/nouvelle-entree", "new establishment"),
        ("/listes/establishments/import", "establishment import"),
        ("/sessions/nouvelle", "new session"),
        ("/sessions/26C03S1/modifier", "session edit"),
        ("/sessions/import", "session import"),
        ("/consentements?objet=participants_list&session=26C03S1", "a consent list"),
        ("/presence/26C03S1", "a session's attendance grid"),
        (f"/demandes/{reference}/personne", "a person's requests"),
    ]:
        page.goto(backoffice.DESK + path)
        expect(page.locator("h1")).to_be_visible()
        inspection.check(page, name)
    page.goto(backoffice.DESK + "/listes/establishments")
    with page.expect_navigation():
        page.locator("table a").first.click()
    inspection.check(page, "an establishment")

    page.goto("/backoffice/satisfaction/synthese")
    expect(page.locator("h1")).to_be_visible()
    inspection.check(page, "the questionnaire's summary")

    page.goto("/backoffice/")
    inspection.check(page, "backoffice home")
    inspection.assert_clean()
