"""Logins that end. A copy of the login cookie (taken from a shared computer, a proxy, a backup)
opens nothing once its owner logs out, gets a new password or is deactivated; a login left idle
longer than the setting ends by itself. Backoffice users and applicants, on SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from engine.cli import main
from engine.service.accounts import find_account
from engine.service.staff import Staff
from engine.store.models import Account, RequestRow
from web.backoffice.users import _beyond_reach

from .backoffice import PASSWORD, admin, manager, staff_browser
from .browser import Browser, Page
from .conftest import Site
from .journey import START
from .test_accounts_and_follow import APPLICANT, choose, log_in, validated_by_hgi

QUEUE = "/backoffice/onboarding/demandes"
USERS = "/backoffice/onboarding/utilisateurs"
LOGIN_TITLE = "Connexion au backoffice"
MANAGER = "gestion@hgi.example"


def copy_of(site: Site, browser: Browser) -> Browser:
    """Another browser holding the same cookies, as whoever copied them would."""
    other = site.browser()
    for cookie in browser.client.cookies.jar:
        other.client.cookies.set(cookie.name, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def at_login_page(page: Page) -> bool:
    return page.status == 200 and page.heading() == LOGIN_TITLE


def in_queue(page: Page) -> bool:
    return page.status == 200 and page.heading() == "Demandes"


def form_index(page: Page, action: str) -> int:
    forms = page.soup.select("form[method=post]")
    return next(i for i, f in enumerate(forms) if f.get("action", "") == action)


def log_out(browser: Browser) -> Page:
    page = browser.get(QUEUE)
    return browser.submit(nav=None, form=form_index(page, "/backoffice/deconnexion"))


def staff_login(site: Site, email: str, password: str) -> Browser:
    browser = site.browser()
    browser.get("/backoffice/connexion")
    browser.submit({"email": email, "password": password}, nav=None)
    return browser


# -- logging out ---------------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_gets_the_login_page_after(site: Site) -> None:
    browser = manager(site)
    copy = copy_of(site, browser)
    assert in_queue(copy.get(QUEUE))
    assert at_login_page(log_out(browser))
    assert at_login_page(copy.get(QUEUE))
    assert at_login_page(browser.get(QUEUE))
    # Logging in again is a new login, which the old copy does not share.
    again = manager(site)
    assert in_queue(again.get(QUEUE))
    assert at_login_page(copy.get(QUEUE))


def test_logging_out_ends_the_logins_on_every_device(site: Site) -> None:
    office, laptop = manager(site), manager(site)
    assert in_queue(laptop.get(QUEUE))
    log_out(office)
    assert at_login_page(laptop.get(QUEUE))


def test_an_ended_login_cannot_log_out_the_newer_ones(site: Site) -> None:
    browser = manager(site)
    browser.get(QUEUE)
    csrf = browser.csrf()
    stale = copy_of(site, browser)
    log_out(browser)
    fresh = manager(site)
    # The stale copy posts the logout form as it was, without having been refused first.
    stale.post("/backoffice/deconnexion", {"_csrf": csrf})
    assert in_queue(fresh.get(QUEUE))


# -- new passwords -------------------------------------------------------------------------------


def test_a_password_reset_from_the_command_line_ends_the_logins(
    site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    browser = manager(site)
    copy = copy_of(site, browser)
    monkeypatch.setenv("ONBOARDING_DATABASE_URL", site.settings.database_url)
    monkeypatch.setenv("ONBOARDING_PROJECT_DIR", str(site.settings.project_dir))
    monkeypatch.setenv("ONBOARDING_DATA_DIR", str(tmp_path))
    new_password = "un tout nouveau mot de passe"
    command = ["user", "create", MANAGER, "--role", "registration_manager"]
    assert main([*command, "--password", new_password]) == 0
    assert at_login_page(copy.get(QUEUE))
    assert at_login_page(browser.get(QUEUE))
    assert at_login_page(staff_login(site, MANAGER, PASSWORD).get(QUEUE))
    assert in_queue(staff_login(site, MANAGER, new_password).get(QUEUE))


def test_a_new_password_from_the_mailed_link_ends_the_applicants_logins(site: Site) -> None:
    path = validated_by_hgi(site)
    first, second = "mon premier mot de passe", "mon second mot de passe"
    linked = site.browser()
    linked.get(path)
    linked.submit({"password": first, "password_confirm": first}, nav=None)
    applicant = site.browser()
    choose(applicant, "log_in")
    assert log_in(applicant, APPLICANT, first).progress == "Étape 2 sur 9"
    copy = copy_of(site, applicant)
    # The copy opens the account's draft, identity and all.
    assert copy.get(START).progress == "Étape 2 sur 9"

    # Later, a new password link (as the workflow mails one) sets another password.
    site.clock.advance(minutes=5)
    with site.db() as db:
        submitted = RequestRow.submitted_at.is_not(None)
        public_id = db.execute(select(RequestRow.public_id).where(submitted)).scalar_one()
    token = site.runtime.signer.sign("set_password", public_id)
    page = linked.get(f"/liens/set_password/{token}")
    page = linked.submit({"password": second, "password_confirm": second}, nav=None)
    assert "Votre mot de passe est enregistré" in page.text

    for browser in (copy, applicant):
        assert browser.get(START).progress == "Étape 1 sur 9"
    relogged = site.browser()
    choose(relogged, "log_in")
    assert log_in(relogged, APPLICANT, second).progress == "Étape 2 sur 9"


# -- deactivation --------------------------------------------------------------------------------


def deactivate(boss: Browser, email: str) -> Page:
    page = boss.get(USERS)
    with_id = [
        str(f["action"])
        for f in page.soup.select("form[method=post]")
        if str(f.get("action", "")).endswith("/desactivation")
        and email in f.get_text(" ")
    ]
    [action] = with_id
    return boss.submit(nav=None, form=form_index(page, action))


def test_deactivation_ends_the_logins_and_reactivation_does_not_revive_them(site: Site) -> None:
    staff = manager(site)
    copy, kept = copy_of(site, staff), copy_of(site, staff)
    boss = admin(site)
    page = deactivate(boss, MANAGER)
    assert page.status == 200 and page.heading() == "Utilisateurs"
    row = next(tr for tr in page.soup.select("tbody tr") if MANAGER in tr.get_text())
    assert "Désactivé" in row.get_text()
    assert at_login_page(copy.get(QUEUE))
    assert at_login_page(staff.get(QUEUE))
    refused = staff_login(site, MANAGER, PASSWORD).page
    assert refused is not None and refused.status == 400
    assert "Adresse électronique ou mot de passe incorrect." in refused.text

    # Added again by the admin: the account works with its password, the old cookies do not.
    page = boss.get(USERS)
    last = len(page.soup.select("form[method=post]")) - 1
    boss.submit({"email": MANAGER, "roles": ["registration_manager"]}, nav=None, form=last)
    with site.db() as db:
        account = find_account(db, MANAGER)
        assert account is not None and account.active
    assert at_login_page(kept.get(QUEUE))  # a copy not shown since the deactivation
    assert in_queue(staff_login(site, MANAGER, PASSWORD).get(QUEUE))


def test_an_admin_cannot_deactivate_their_own_account(site: Site) -> None:
    boss = admin(site)
    page = deactivate(boss, "admin@hgi.example")
    assert page.status == 422
    assert "Vous ne pouvez pas désactiver votre propre compte." in page.text
    assert in_queue(boss.get(QUEUE))


def test_a_manager_cannot_deactivate_anyone(site: Site) -> None:
    admin(site)
    with site.db() as db:
        account = find_account(db, "admin@hgi.example")
        assert account is not None
        target = account.id
    browser = manager(site)
    browser.get(QUEUE)
    csrf = browser.csrf()
    page = browser.post(f"{USERS}/{target}/desactivation", {"_csrf": csrf})
    assert page.status == 403
    with site.db() as db:
        account = find_account(db, "admin@hgi.example")
        assert account is not None and account.active


# -- idle logins ---------------------------------------------------------------------------------


def test_an_idle_backoffice_login_ends(site: Site) -> None:
    browser = manager(site)
    site.clock.advance(minutes=121)
    assert at_login_page(browser.get(QUEUE))


def test_an_active_backoffice_login_does_not_end(site: Site) -> None:
    browser = manager(site)
    for _ in range(4):
        site.clock.advance(minutes=110)
        assert in_queue(browser.get(QUEUE))  # each request counts as activity


def test_the_idle_time_is_a_setting(site: Site) -> None:
    site.settings.session_idle_minutes = 10
    browser = manager(site)
    site.clock.advance(minutes=9)
    assert in_queue(browser.get(QUEUE))
    site.clock.advance(minutes=11)
    assert at_login_page(browser.get(QUEUE))


def test_an_idle_applicant_login_ends(site: Site) -> None:
    path = validated_by_hgi(site)
    password = "mon premier mot de passe"
    linked = site.browser()
    linked.get(path)
    linked.submit({"password": password, "password_confirm": password}, nav=None)
    applicant = site.browser()
    choose(applicant, "log_in")
    assert log_in(applicant, APPLICANT, password).progress == "Étape 2 sur 9"
    site.clock.advance(minutes=100)
    assert applicant.get(START).progress == "Étape 2 sur 9"
    site.clock.advance(minutes=121)
    assert applicant.get(START).progress == "Étape 1 sur 9"


def test_a_backoffice_login_is_not_an_applicant_login(site: Site) -> None:
    browser = staff_browser(site, APPLICANT, ["registration_manager"])
    page = browser.get(START)
    assert page.progress == "Étape 1 sur 9"
    assert in_queue(browser.get(QUEUE))


def test_only_an_admin_of_every_workflow_an_account_reaches_may_deactivate_it() -> None:
    # The demo workflows share their admin role, so two workflows with admins of their own
    # are described here directly.
    def workflow(*roles: tuple[str, str]) -> SimpleNamespace:
        return SimpleNamespace(
            spec=SimpleNamespace(roles=[SimpleNamespace(id=i, backoffice=b) for i, b in roles])
        )

    lending = workflow(("lending_admin", "admin"), ("librarian", "process"))
    courses = workflow(("courses_admin", "admin"), ("tester", "none"))
    registry = SimpleNamespace(current={"lending": lending, "courses": courses})

    def may_deactivate(admin_roles: list[str], target_roles: list[str]) -> bool:
        desk = SimpleNamespace(
            staff=Staff(Account(roles=admin_roles)), runtime=SimpleNamespace(registry=registry)
        )
        return not _beyond_reach(desk, Account(roles=target_roles))  # type: ignore[arg-type]

    assert may_deactivate(["lending_admin"], ["librarian"])
    assert may_deactivate(["lending_admin"], ["librarian", "tester"])  # no backoffice there
    assert not may_deactivate(["lending_admin"], ["librarian", "courses_admin"])
    assert may_deactivate(["lending_admin", "courses_admin"], ["librarian", "courses_admin"])
