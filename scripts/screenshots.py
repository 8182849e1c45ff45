"""Regenerates the pictures of `docs/screenshots/`: each step of the onboarding wizard and the
page shown once the request is sent, then the main backoffice screens.

It serves the app the way the browser tests do (`tests/browser/harness.py`: demo data in a
temporary data folder, an operator login, mails caught by a local SMTP server) and drives
Debian's Chromium with Playwright: an applicant fills the wizard and confirms her address from
the mailed link, then an operator logs in to the backoffice. Pictures are full pages, 1280 px
wide; a few wizard steps are also taken 375 px wide (`*-mobile.png`).

Run from the project root, once `sh scripts/test.sh` has installed the test tools:

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser import backoffice  # noqa: E402
from tests.browser.harness import ServedApp, chromium, open_page, served_app  # noqa: E402
from tests.browser.wizard import (  # noqa: E402
    START,
    Applicant,
    expect_step,
    fill_wizard,
    first_link,
    next_step,
)

OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}

APPLICANT = Applicant(
    first_name="Camille",
    last_name="Rousseau",
    email="camille.rousseau@example.org",
    postal_code="69003",
    phone="06 72 18 45 90",
    expectations="Monter le plan de rénovation énergétique des groupes scolaires du mandat.",
    mandate="Adjoint.e au Maire",
    first_mandate_year="2020",
    search="Lyon",
    establishment="Ville de Lyon",
    dietary="Sans gluten (maladie cœliaque).",
    disability="Fauteuil roulant : accès de plain-pied et place en bout de rangée.",
)


def shoot(page: Page, name: str, *, mobile: bool = False) -> None:
    """A full-page picture at desktop width; with `mobile`, another one 375 px wide."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=OUT / f"{name}.png", full_page=True)
    if mobile:
        page.set_viewport_size(MOBILE)
        page.screenshot(path=OUT / f"{name}-mobile.png", full_page=True)
        page.set_viewport_size(DESKTOP)
    print(f"  {name}.png" + ("  (+ mobile)" if mobile else ""))


# The wizard's steps as `fill_wizard` names them, with their picture's name; the steps in
# MOBILE_TOO are also taken 375 px wide.
PICTURES = {
    "funding": "wizard-2-funding",
    "establishment": "wizard-3-establishment",
    "trainee": "wizard-4-trainee",
    "mandate": "wizard-5-mandate",
    "dietary": "wizard-6-dietary",
    "disability": "wizard-7-disability",
    "extra_data": "wizard-8-consents",
    "terms": "wizard-9-terms",
    "sent": "wizard-10-sent",
}
MOBILE_TOO = {"trainee", "dietary"}


def wizard(page: Page, person: Applicant) -> str:
    """Fills each step, takes its picture before going on; returns the request's reference."""
    page.goto(START)
    expect_step(page, 1)
    shoot(page, "wizard-1-session", mobile=True)
    next_step(page)
    return fill_wizard(
        page, person, visit=lambda p, step: shoot(p, PICTURES[step], mobile=step in MOBILE_TOO)
    )


def confirm_email(page: Page, app: ServedApp, person: Applicant) -> None:
    """Follows the mailed link and presses its button, as the applicant would."""
    mail = app.mail_to(person.email, "confirm_email")
    page.goto(first_link(mail.text, rf"{app.base_url}/liens/\S+"))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer mon adresse électronique").click()
    expect(page.get_by_role("status")).to_contain_text("c'est fait")
    app.mail_to(person.email, "session_details")  # sent by the worker: shown as sent


def desk(page: Page, reference: str) -> None:
    """The backoffice screens, from the login page on."""
    page.goto(f"{backoffice.DESK}/demandes")
    expect(page.locator("h1")).to_have_text("Connexion au backoffice")
    shoot(page, "backoffice-login")
    backoffice.log_in(page)
    shoot(page, "backoffice-queue")
    backoffice.open_request(page, reference)
    shoot(page, "backoffice-request")
    for path, name in [
        ("notifications", "backoffice-notifications"),
        ("vue-ensemble", "backoffice-overview"),
        ("courriels", "backoffice-mails"),
        ("listes", "backoffice-lists"),
        ("pdf", "backoffice-pdf"),
        ("sessions", "backoffice-sessions"),
    ]:
        page.goto(f"{backoffice.DESK}/{path}")
        shoot(page, name)


def main() -> None:
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data, served_app(Path(data) / "data") as app:
        print(f"Serving the demo on {app.base_url}; pictures go to {OUT.relative_to(ROOT)}/")
        with chromium() as (_, browser):
            applicant = open_page(browser, app.base_url, timeout=15)
            reference = wizard(applicant, APPLICANT)
            confirm_email(applicant, app, APPLICANT)
            desk(open_page(browser, app.base_url, timeout=15), reference)
    print(f"Done in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
