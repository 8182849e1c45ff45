"""Putting a router's routes in the app's own table.

FastAPI's `include_router` keeps an included router as a branch of the table: each request is
matched against every branch before the one that answers, and inside that branch a second time
to pick the route (a page of the wizard, the fifth router, went through five branch matches).
The routers here declare their full paths (prefix and route class at their creation) and are
included with no option of their own (prefix, dependencies, tags), so their routes can go in as
they are, as `@app.get` would have put them: one pass over one list per request."""

from __future__ import annotations

from fastapi import APIRouter


def add_routes(table: APIRouter, router: APIRouter) -> None:
    """Appends `router`'s routes to `table` (an app's `app.router`, or another router), after
    those already there: the order of matching is the order of the calls."""
    table.routes.extend(router.routes)
