"""Admins give the workflow's roles to users, testers included; managers cannot."""

from __future__ import annotations

from engine.service.accounts import find_account

from .backoffice import admin, manager
from .conftest import Site

USERS = "/backoffice/onboarding/utilisateurs"


def test_an_admin_adds_a_tester_and_changes_roles(site: Site) -> None:
    browser = admin(site)
    page = browser.get(USERS)
    assert page.status == 200 and "Utilisateurs" in page.text
    page = browser.submit(
        {"email": "Alex.Testeur@HGI.example", "first_name": "Alex", "roles": ["tester"]},
        nav=None,
        form=len(page.soup.select("form[method=post]")) - 1,
    )
    assert "Mot de passe, affiché une seule fois" in page.text
    with site.db() as db:
        account = find_account(db, "alex.testeur@hgi.example")
        assert account is not None and account.roles == ["tester"]
        assert account.password_hash
        account_id = account.id
    # Give them the manager role too, from the table.
    forms = page.soup.select("form[method=post]")
    index = next(i for i, f in enumerate(forms) if f.get("action", "").endswith(f"/{account_id}"))
    page = browser.submit({"roles": ["tester", "registration_manager"]}, nav=None, form=index)
    with site.db() as db:
        assert find_account(db, "alex.testeur@hgi.example").roles == [
            "registration_manager",
            "tester",
        ]


def test_bad_input_is_explained_and_nothing_saved(site: Site) -> None:
    browser = admin(site)
    page = browser.get(USERS)
    last = len(page.soup.select("form[method=post]")) - 1
    page = browser.submit({"email": "pas-une-adresse", "roles": ["tester"]}, nav=None, form=last)
    assert page.status == 422 and "adresse électronique valide" in page.text
    page = browser.get(USERS)
    page = browser.submit({"email": "x@hgi.example"}, nav=None, form=last)
    assert page.status == 422 and "au moins un rôle" in page.text
    with site.db() as db:
        assert find_account(db, "x@hgi.example") is None


def test_a_manager_cannot_reach_the_users(site: Site) -> None:
    response = manager(site).client.get(USERS, follow_redirects=False)
    assert response.status_code == 403
