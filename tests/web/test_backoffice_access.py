"""Every backoffice route, read from the app's route table: logged out it sends to the login
page, with a role below what it needs it answers 403, and none is left unguarded."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from engine.service.staff import LEVELS, level_rank
from web.app import include_every_route

from .backoffice import PASSWORD, make_user, staff_browser
from .conftest import Site

OPEN = {"/backoffice/connexion", "/backoffice/deconnexion", "/backoffice/"}


def _level(dependant: Any) -> str | None:
    for dependency in dependant.dependencies:
        level = getattr(dependency.call, "level", None)
        if level is not None:
            return str(level)
        found = _level(dependency)
        if found is not None:
            return found
    return None


def _api_routes(routes: list[Any]) -> list[Any]:
    """The app's path operations, including those of included routers (which this FastAPI
    keeps as router objects in the route table)."""
    found: list[Any] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "effective_route_contexts"):
            found.extend(route.effective_route_contexts())
    return found


def backoffice_routes(site: Site) -> list[tuple[str, str, str | None]]:
    """(method, concrete path, level needed) of every backoffice route."""
    include_every_route(site.app)  # the table is read, not reached by a request
    found = []
    for route in _api_routes(site.app.routes):
        if not route.path.startswith("/backoffice"):
            continue
        if route.path in OPEN:
            continue
        path = route.path.replace("{workflow_id}", "onboarding")
        path = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(route.methods):
            found.append((method, path, _level(route.dependant)))
    return found


def test_every_backoffice_route_declares_its_level(site: Site) -> None:
    routes = backoffice_routes(site)
    assert routes, "the backoffice has routes"
    unguarded = [(m, p) for m, p, level in routes if level is None]
    assert unguarded == []


def test_logged_out_every_route_sends_to_the_login_page(site: Site) -> None:
    client = site.browser().client
    for method, path, _ in backoffice_routes(site):
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/backoffice/connexion?suite="), path


def test_a_role_below_the_level_gets_403_on_every_route(site: Site) -> None:
    routes = backoffice_routes(site)
    users = {
        "none": ("testeur@hgi.example", ["tester"]),
        "manage": ("gestion@hgi.example", ["registration_manager"]),
    }
    for level, (email, roles) in users.items():
        client = staff_browser(site, email, roles).client
        for method, path, needed in routes:
            if needed is None or level_rank(level) >= level_rank(needed):
                continue
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 403, (level, method, path, response.status_code)
            assert "Accès refusé" in response.text


def test_login_is_throttled_and_logout_ends_the_session(site: Site) -> None:
    make_user(site, "admin@hgi.example", ["admin"])
    browser = site.browser()
    for _ in range(5):
        browser.get("/backoffice/connexion")
        page = browser.submit({"email": "admin@hgi.example", "password": "wrong"}, nav=None)
        assert "Adresse électronique ou mot de passe incorrect." in page.text
    browser.get("/backoffice/connexion")
    page = browser.submit({"email": "admin@hgi.example", "password": PASSWORD}, nav=None)
    assert "Trop de tentatives" in page.text
    site.clock.advance(minutes=16)
    browser.get("/backoffice/connexion")
    page = browser.submit({"email": "admin@hgi.example", "password": PASSWORD}, nav=None)
    assert "Inscription en ligne" in page.text  # the workflows this user reaches
    page = browser.get("/backoffice/onboarding/demandes")
    assert page.status == 200 and "Se déconnecter" in page.text
    page = browser.submit(nav=None, form=0)  # the logout form of the frame
    assert "Connexion au backoffice" in page.text
    again = browser.client.get("/backoffice/onboarding/demandes", follow_redirects=False)
    assert again.status_code == 303


def test_the_session_cookie_is_httponly_and_samesite(site: Site) -> None:
    browser = site.browser()
    response = browser.client.get("/backoffice/connexion")
    header = response.headers.get("set-cookie", "")
    assert "onboarding_session=" in header
    assert "httponly" in header.lower()
    assert "samesite=lax" in header.lower()


def test_levels_are_ordered() -> None:
    assert LEVELS == ("none", "process", "manage", "admin")
