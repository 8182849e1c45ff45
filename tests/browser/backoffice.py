"""An operator in the backoffice, in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .harness import OPERATOR_EMAIL, OPERATOR_PASSWORD

DESK = "/backoffice/onboarding"


def log_in(page: Page, email: str = OPERATOR_EMAIL, password: str = OPERATOR_PASSWORD) -> None:
    """Opens the backoffice, which asks for a login first, and logs in."""
    page.goto(f"{DESK}/demandes")
    expect(page.locator("h1")).to_have_text("Connexion au backoffice")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".bo-bar__workflow")).to_be_visible()


def open_request(page: Page, reference: str) -> None:
    """Finds a request in the queue by its reference and opens it."""
    page.goto(f"{DESK}/demandes")
    page.get_by_label("Rechercher").fill(reference)
    with page.expect_navigation():
        page.get_by_label("Rechercher").press("Enter")
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    expect(page.locator("h1")).to_contain_text(reference)


def fire(page: Page, label: str, state: str) -> None:
    """Presses a transition's button (its confirmation answered yes) and checks the new state."""
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()
    expect(page.locator("#request-state")).to_have_text(state)
