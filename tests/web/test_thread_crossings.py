"""The applicant's pages cross to the thread pool once per request, and end their database
session themselves (web/deps.py): read from the app's route table, so a route or a dependency
added later is checked too. A plain `def` dependency is run on the thread pool by FastAPI, a
crossing of its own; a session given to a route that does not end it would stay open."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from engine.store.db import make_engine, make_session_factory
from web.app import include_every_route
from web.deps import HandlerDb, SessionClosingRoute, open_db

from .conftest import Site
from .journey import START
from .test_backoffice_access import _api_routes


def dependencies(dependant: Any) -> list[Any]:
    found = []
    for sub in dependant.dependencies:
        found.append(sub.call)
        found.extend(dependencies(sub))
    return found


def original(route: Any) -> Any:
    return getattr(route, "original_route", route)


def test_applicant_routes_cross_to_the_thread_pool_once(site: Site) -> None:
    include_every_route(site.app)  # the table is read, not reached by a request
    closing = [
        r for r in _api_routes(site.app.routes) if isinstance(original(r), SessionClosingRoute)
    ]
    assert {"/", "/inscription/{code}/etape/{step_id}"} <= {r.path for r in closing}
    for route in closing:
        for call in dependencies(route.dependant):
            assert inspect.iscoroutinefunction(call), (
                f"{route.path}: dependency {call.__qualname__} is not `async def`: FastAPI runs"
                " it on the thread pool, a second crossing per request"
            )


def test_only_routes_that_end_their_session_are_given_one_to_end(site: Site) -> None:
    include_every_route(site.app)  # the table is read, not reached by a request
    for route in _api_routes(site.app.routes):
        if open_db in dependencies(route.dependant):
            assert isinstance(original(route), SessionClosingRoute), (
                f"{route.path} takes HandlerDb but does not end it: use Db"
            )


def test_no_connection_stays_checked_out_after_the_applicants_pages(site: Site) -> None:
    browser = site.browser()
    assert browser.get("/").status == 200
    assert browser.get(START).status == 200
    page = browser.get(f"{START}/etape/funding")  # no draft yet: sent back to the first step
    assert page.status in (200, 303)
    assert site.engine.pool.checkedout() == 0


def test_a_wizard_step_resolves_no_dependency_but_its_form(site: Site) -> None:
    """Each dependency costs FastAPI a resolution per request: a step's page has none, its
    post only the form; the session comes from the route, the session code is a path
    parameter."""
    from web.deps import posted_form

    include_every_route(site.app)
    steps = {
        method: route
        for route in _api_routes(site.app.routes)
        if route.path == "/inscription/{code}/etape/{step_id}"
        for method in route.methods
    }
    assert dependencies(steps["GET"].dependant) == []
    assert dependencies(steps["POST"].dependant) == [posted_form]
    assert {p.name for p in steps["POST"].dependant.path_params} == {"code", "step_id"}


def test_a_handler_that_does_not_take_the_request_is_given_its_session(tmp_path: Path) -> None:
    """The route opens the session from the request it asks FastAPI for, then closes it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    app = FastAPI()
    app.state.sessions = make_session_factory(engine)
    router = APIRouter(route_class=SessionClosingRoute)
    given = []

    @router.get("/un")
    def one(db: HandlerDb) -> dict[str, int]:
        given.append(db)
        return {"value": db.execute(text("SELECT 1")).scalar_one()}

    app.include_router(router)
    assert TestClient(app).get("/un").json() == {"value": 1}
    assert len(given) == 1 and not given[0].in_transaction()
    assert engine.pool.checkedout() == 0
    engine.dispose()
