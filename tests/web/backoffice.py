"""Backoffice users for the tests: an account with roles, logged in through the real form."""

from __future__ import annotations

from engine.service.accounts import find_account, hash_password
from engine.store.models import Account

from .browser import Browser
from .conftest import Site

PASSWORD = "correct horse battery staple"


def make_user(site: Site, email: str, roles: list[str]) -> None:
    with site.db() as db:
        account = find_account(db, email)
        if account is None:
            account = Account(email=email, profile={}, first_name="Dominique", last_name="Test")
            db.add(account)
        account.roles = roles
        account.password_hash = hash_password(PASSWORD)
        db.commit()


def staff_browser(site: Site, email: str, roles: list[str] | None = None) -> Browser:
    """A browser logged into the backoffice (the user is created when roles are given)."""
    if roles is not None:
        make_user(site, email, roles)
    browser = site.browser()
    browser.get("/backoffice/connexion")
    page = browser.submit({"email": email, "password": PASSWORD}, nav=None)
    # Logged in: the login form is gone (a user without access lands on a 403 page).
    assert "Connexion au backoffice" not in page.title, page.text[:300]
    return browser


def manager(site: Site) -> Browser:
    return staff_browser(site, "gestion@hgi.example", ["registration_manager"])


def admin(site: Site) -> Browser:
    return staff_browser(site, "admin@hgi.example", ["admin", "registration_manager"])
