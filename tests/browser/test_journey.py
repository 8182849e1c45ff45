"""The whole registration in a real browser, as the guide tells it: applicant A registers with
a new establishment, confirms her address from the mail, an operator validates her request in
three steps, and she sets her password and logs in; applicant B, found by search, cancels
through the follow link. The same journey runs with JavaScript off."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from . import backoffice
from .conftest import NewPage
from .harness import OPERATOR_EMAIL, ServedApp
from .wizard import (
    CODE,
    START,
    Applicant,
    NewEstablishment,
    fill_wizard,
    find_establishment,
    first_link,
    next_step,
    start_new_request,
)


def applicants(tag: str) -> tuple[Applicant, Applicant]:
    """Two people whose addresses are their own in this run (several tests share the app)."""
    a = Applicant(
        first_name="Élodie",
        last_name="Marchand",
        email=f"elodie.marchand.{tag}@example.org",
        postal_code="38380",
        phone="06 45 67 89 01",
        expectations="Préparer le plan pluriannuel de rénovation des écoles.",
        mandate="Adjoint.e au Maire",
        first_mandate_year="2014",
        new_establishment=NewEstablishment(
            label=f"Commune de Saint-Pierre-de-Chartreuse {tag}",
            type_label="Mairie / Commune",
            postal_code="38380",
            city="Saint-Pierre-de-Chartreuse",
            validation_email=f"dgs.{tag}@saint-pierre-chartreuse.example",
        ),
        dietary="Végétarienne, sans fruits à coque.",
        disability="Accès de plain-pied et place réservée près de l'entrée.",
    )
    b = Applicant(
        first_name="Bruno",
        last_name="Lefèvre",
        email=f"bruno.lefevre.{tag}@example.org",
        civility="M.",
        postal_code="74000",
        search="Annecy",
        establishment="Commune d'Annecy",
        consents={
            "Une liste diffusée à tous les participants": "Non",
            "Une liste de diffusion de l'offre de formation": "Oui",
            "J'autorise HGI à utiliser mon image": "Non",
        },
    )
    return a, b


def follow_mail_link(page: Page, link: str, app: ServedApp) -> None:
    assert link.startswith(app.base_url), link
    page.goto(link)


@pytest.mark.parametrize(
    ("backend", "javascript"),
    [("sqlite", True), ("sqlite", False), ("postgresql", True)],
    ids=["with-js", "without-js", "postgresql"],
)
def test_two_applicants_from_the_wizard_to_the_login(
    request: pytest.FixtureRequest, new_page: NewPage, backend: str, javascript: bool
) -> None:
    app: ServedApp = request.getfixturevalue("app" if backend == "sqlite" else "app_on_postgresql")
    a, b = applicants(uuid.uuid4().hex[:8])
    new = a.new_establishment
    assert new is not None

    # 1. A registers, with a new establishment, dietary constraints and a disability.
    page_a = new_page(javascript=javascript, on=app)
    start_new_request(page_a)
    reference_a = fill_wizard(page_a, a, javascript=javascript)

    # 2. The confirmation mail; its link shows a button, which confirms.
    confirm = app.mail_to(a.email, "confirm_email")
    assert reference_a in confirm.subject or reference_a in confirm.text
    follow_mail_link(page_a, first_link(confirm.text, rf"{app.base_url}/liens/\S+"), app)
    expect(page_a.locator("h1")).to_contain_text(reference_a)
    with page_a.expect_navigation():
        page_a.get_by_role("button", name="Confirmer mon adresse électronique").click()
    expect(page_a.get_by_role("status")).to_contain_text("c'est fait")

    # 3. The mails of the confirmation: the session's details to A; the institution's mail with
    # the registration form, of which the operator gets the very same message in copy.
    details = app.mail_to(a.email, "session_details")
    assert CODE in details.text and "Transformer le patrimoine communal" in details.text
    institution = app.mail_to(new.validation_email, "institution_validation")
    assert OPERATOR_EMAIL in institution.recipients
    assert app.mail_to(OPERATOR_EMAIL, "institution_validation", reference_a) is institution
    [(filename, pdf)] = institution.attachments()
    assert filename.endswith(".pdf")
    form = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (a.last_name, new.label, "Végétarienne", "Accès de plain-pied"):
        assert expected in form, (expected, form)

    # 4. The operator: notification, request page with the "non référencé" establishment, and
    # the three validations, each with its mail.
    staff = new_page(javascript=javascript, on=app)
    backoffice.log_in(staff)
    unread = staff.locator(".bo-nav .badge--count")
    expect(unread).to_be_visible()
    staff.get_by_role("link", name=re.compile("^Notifications")).click()
    notification = staff.locator(".timeline li", has_text=reference_a)
    expect(notification).to_contain_text(
        f"Adresse confirmée : demande {reference_a} de {a.full_name} pour la session {CODE}."
    )
    with staff.expect_navigation():
        notification.get_by_role("link").click()
    expect(staff.locator("h1")).to_contain_text(reference_a)
    expect(staff.locator("#request-state")).to_have_text(
        "Courriel confirmé — bulletin en attente de signature"
    )
    entry = staff.locator(".card h3", has_text=new.label)
    expect(entry).to_contain_text("Non référencé")
    expect(staff.locator("dd", has_text=a.dietary)).to_be_visible()

    backoffice.fire(
        staff,
        "Instance de validation : bulletin signé reçu",
        "Validée par l'instance de validation",
    )
    app.mail_to(a.email, "not_yet_validated")
    backoffice.fire(
        staff, "Validation HGI : créer le compte du stagiaire", "Validée par HGI — compte créé"
    )
    account = app.mail_to(a.email, "account_created")
    backoffice.fire(
        staff, "Validation du demandeur : inscription définitive", "Inscription définitive"
    )
    app.mail_to(a.email, "registration_confirmed")

    # The login mail's link: A chooses her password, then logs in to register for another
    # session with her identity filled in.
    follow_mail_link(page_a, first_link(account.text, rf"{app.base_url}/liens/\S+"), app)
    expect(page_a.locator("h1")).to_have_text("Choisir votre mot de passe")
    password = "Un mot de passe de formation"
    page_a.get_by_label("Mot de passe", exact=True).fill(password)
    page_a.get_by_label("Confirmer le mot de passe").fill(password)
    with page_a.expect_navigation():
        page_a.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(page_a.get_by_role("status")).to_have_text(
        "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter."
    )
    log_in_as_applicant(page_a, a, password)

    # 5. B registers with an establishment found by search, then cancels from the follow link.
    page_b = new_page(javascript=javascript, on=app)
    start_new_request(page_b)
    reference_b = fill_wizard(page_b, b, javascript=javascript)
    page_b.goto(START)
    page_b.get_by_label("Suivre ou annuler une demande").check()
    next_step(page_b)
    page_b.get_by_label("Adresse électronique").fill(b.email)
    with page_b.expect_navigation():
        page_b.get_by_role("button", name="Recevoir le lien").click()
    expect(page_b.get_by_role("status")).to_contain_text("un courriel contenant un lien")
    listing = app.mail_to(b.email, "follow_requests")
    follow_mail_link(page_b, first_link(listing.text, rf"{app.base_url}/mes-demandes/\S+"), app)
    expect(page_b.locator("h1")).to_have_text("Mes demandes")
    item = page_b.locator("li.session-item", has_text=reference_b)
    expect(item).to_contain_text("En attente de confirmation du courriel")
    with page_b.expect_navigation():
        item.get_by_role("link", name="Voir la demande").click()
    with page_b.expect_navigation():
        page_b.get_by_role("button", name="Annuler ma demande").click()
    expect(page_b.get_by_role("status")).to_contain_text("Annuler ma demande : c'est fait.")
    app.mail_to(b.email, "cancellation_confirmed")

    backoffice.open_request(staff, reference_b)
    expect(staff.locator("#request-state")).to_have_text("Annulée")
    expect(staff.locator(".card h3", has_text="Commune d'Annecy")).not_to_contain_text(
        "Non référencé"
    )


def log_in_as_applicant(page: Page, person: Applicant, password: str) -> None:
    """From the home page: another session, "J'ai déjà un compte", the login form."""
    page.goto("/")
    page.locator("li.session-item", has_text="Les finances locales").get_by_role(
        "link", name="S'inscrire"
    ).click()
    page.get_by_label("J'ai déjà un compte").check()
    next_step(page)
    expect(page.locator("h2, h1").filter(has_text="Connexion")).to_be_visible()
    page.get_by_label("Adresse électronique").fill(person.email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".progress__text")).to_have_text("Étape 2 sur 9")
    page.get_by_label("Financement par ma collectivité").check()
    next_step(page)
    find_establishment(page, "Annecy", "Commune d'Annecy", javascript=False)
    next_step(page)
    expect_step_identity_filled(page, person)


def expect_step_identity_filled(page: Page, person: Applicant) -> None:
    expect(page.get_by_label("Prénom")).to_have_value(person.first_name)
    expect(page.get_by_label("Nom de famille")).to_have_value(person.last_name)
    expect(page.get_by_label("Adresse électronique")).to_have_value(person.email)
