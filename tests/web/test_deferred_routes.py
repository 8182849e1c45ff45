"""The wizards' and the backoffice's routes come into the app on first need
(web/deferred_routes.py): on a new app, the first wizard or backoffice requests answer as they
would with every route in place, also when several arrive at once, and the pages that link
one side to the other lead somewhere."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from web.app import include_every_route
from web.deferred_routes import DeferredRoutes, WaitForRoutes

from .backoffice import PASSWORD, make_user
from .conftest import Site
from .journey import CODE, START
from .test_backoffice_access import _api_routes

LOGIN_TITLE = "Connexion au backoffice"
T = TypeVar("T")


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Each call on a thread of its own, all released together."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_the_first_request_of_a_new_app_may_be_a_backoffice_page(site: Site) -> None:
    make_user(site, "admin@hgi.example", ["admin", "registration_manager"])
    browser = site.browser()
    page = browser.get("/backoffice/onboarding/demandes")
    assert page.status == 200
    assert LOGIN_TITLE in page.title  # logged out: the login page, which leads back here
    page = browser.submit({"email": "admin@hgi.example", "password": PASSWORD}, nav=None)
    assert page.status == 200
    assert page.url.endswith("/backoffice/onboarding/demandes")
    assert LOGIN_TITLE not in page.title
    # The applicant's side answers too, and its home page links to the wizard.
    home = browser.get("/")
    assert home.status == 200
    assert f"/inscription/{CODE}" in home.html


def test_the_first_request_of_a_new_app_may_be_a_wizard_page(site: Site) -> None:
    browser = site.browser()
    page = browser.get(START)
    assert page.status == 200
    assert page.form() is not None  # the wizard's first step, ready to be filled
    assert browser.get(f"{START}/etape/nulle-part").status == 404
    assert LOGIN_TITLE in browser.get("/backoffice/connexion").title


def test_backoffice_requests_arriving_together_on_a_new_app_all_answer(site: Site) -> None:
    paths = ["/backoffice/connexion", "/backoffice/", "/backoffice/onboarding/demandes", START] * 2
    with TestClient(site.app, base_url="http://testserver") as client:

        def get(path: str) -> Callable[[], Response]:
            return lambda: client.get(path, follow_redirects=False)

        answers = at_once([get(path) for path in paths])
    for path, response in zip(paths, answers, strict=True):
        if path == "/backoffice/connexion":
            assert response.status_code == 200, path
            assert LOGIN_TITLE in response.text
        elif path == START:
            assert response.status_code == 200, path
            assert "<form" in response.text
        else:  # logged out: to the login page, with the way back
            assert response.status_code == 303, (path, response.status_code)
            assert response.headers["location"].startswith("/backoffice/connexion?suite=")


def test_an_unknown_backoffice_address_is_still_a_404_page(site: Site) -> None:
    page = site.browser().get("/backoffice/onboarding/nulle-part")
    assert page.status == 404
    assert "Page introuvable" in page.title


def test_every_deferred_route_lies_under_its_prefix(site: Site) -> None:
    """A request waits for the deferred routes only under a wizard's path or /backoffice: a
    route elsewhere would answer 404 until something else had included them."""
    before = {route.path for route in _api_routes(site.app.routes)}
    include_every_route(site.app)
    added = [r for r in _api_routes(site.app.routes) if r.path not in before]
    assert len(added) > 50, "the wizards' and the backoffice's routes were included"
    prefixes = [f"/{c.spec.wizard.path}" for c in site.runtime.registry.current.values()]
    prefixes.append("/backoffice")
    assert [r.path for r in added if not r.path.startswith(tuple(prefixes))] == []


# -- the mechanism, on an app of its own --------------------------------------------------------


def slow_app(started: threading.Event, release: threading.Event, builds: list[int]) -> FastAPI:
    app = FastAPI()

    @app.get("/elsewhere")
    def elsewhere() -> dict[str, str]:
        return {"page": "elsewhere"}

    def build() -> APIRouter:
        builds.append(1)
        started.set()
        assert release.wait(10), "the test did not let the build finish"
        router = APIRouter(prefix="/later")

        @router.get("/page")
        def page() -> dict[str, str]:
            return {"page": "later"}

        return router

    deferred = DeferredRoutes(app, ["/later"], lambda: [build()])
    app.add_middleware(WaitForRoutes, deferred=deferred)
    return app


def test_routes_are_built_once_while_other_pages_keep_answering() -> None:
    started, release = threading.Event(), threading.Event()
    builds: list[int] = []
    app = slow_app(started, release, builds)
    with TestClient(app) as client, ThreadPoolExecutor(5) as pool:
        waiting = [pool.submit(client.get, "/later/page") for _ in range(5)]
        assert started.wait(10)
        # While the routes are being built, a page elsewhere answers: the event loop is free.
        assert client.get("/elsewhere").json() == {"page": "elsewhere"}
        assert not any(future.done() for future in waiting)
        release.set()
        answers = [future.result(timeout=10) for future in waiting]
        assert [a.status_code for a in answers] == [200] * 5
        assert [a.json() for a in answers] == [{"page": "later"}] * 5
        assert client.get("/later/missing").status_code == 404
        assert client.get("/later/page").json() == {"page": "later"}
    assert builds == [1]


def test_every_page_is_found_in_one_pass_over_the_route_table(site: Site) -> None:
    """The app's table holds routes and mounts only, no router branch: a request is matched
    once against a flat list, whichever router declared its route (web/route_table.py)."""
    from fastapi.routing import APIRoute
    from starlette.routing import Mount

    app = site.app
    assert isinstance(app, FastAPI)
    include_every_route(app)
    table = app.router.routes
    branches = [route for route in table if not isinstance(route, APIRoute | Mount)]
    assert branches == []
    paths = {route.path for route in table if isinstance(route, APIRoute)}
    assert "/inscription/{code}/etape/{step_id}" in paths
    assert "/backoffice/{workflow_id}/demandes" in paths
