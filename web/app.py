"""The web layer's own assembly: its routers (one wizard per loaded workflow, the mailed links,
the backoffice, the probes), its middlewares and its error pages. Everything the app serves comes
from the workflows it is given.

It stays in web/ because each piece it assembles is a piece of the web layer and nothing else
needs to know them; what it is given (settings read from the environment, the runtime, the
database engine) is composed by `app.factory`, which is where an app is created."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.config import AppSettings
from engine.service.context import Runtime
from engine.store.db import WEB_THREADS, make_session_factory

from .api.mount import PREFIX as API_PREFIX
from .api.mount import LazyApi
from .backoffice.access import Forbidden, LoginRequired, UnknownWorkflow, login_url
from .deferred_routes import DeferredRoutes, WaitForRoutes
from .deps import UnacceptableForm
from .first_answer import FirstAnswer
from .guard import AddressGuard
from .i18n import Words
from .operations import router as operations_router
from .pages import make_templates, message_page
from .request_log import AccessLog, route_template
from .route_table import add_routes
from .routes import home, links

STATIC = Path(__file__).parent / "static"
BACKOFFICE = "/backoffice"
log = logging.getLogger("onboarding.web")


def build_app(settings: AppSettings, runtime: Runtime, engine: Engine) -> FastAPI:
    """The app serving `runtime`'s workflows from the database behind `engine`, which must be
    prepared (`onboarding db upgrade`; `onboarding serve` does it before starting)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=_sized_thread_pool)
    app.state.runtime = runtime
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.state.templates = make_templates()
    # The wizards' and the backoffice's routes come on first need (web/deferred_routes.py),
    # after the others as before: `include_every_route`.
    wizards = [f"/{compiled.spec.wizard.path}" for compiled in runtime.registry.current.values()]
    app.state.deferred_routes = DeferredRoutes(
        app, [*wizards, BACKOFFICE], lambda: _wizards_and_backoffice(runtime)
    )
    app.add_middleware(WaitForRoutes, deferred=app.state.deferred_routes)
    app.state.answered = threading.Event()  # set once the first request is answered
    app.add_middleware(FirstAnswer, answered=app.state.answered)
    # Inside the session middleware: its refusal page is rendered like any other page.
    app.add_middleware(AddressGuard)
    app.add_middleware(
        SessionMiddleware,
        secret_key=runtime.signer.secret,
        session_cookie="onboarding_session",
        max_age=14 * 86400,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)  # outermost: times and names everything below it
    add_routes(app.router, operations_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The JSON API: an application of its own (its OpenAPI document, its JSON errors), built
    # on its first request.
    app.state.api = LazyApi(runtime, app.state.sessions)
    app.mount(API_PREFIX, app.state.api, name="api")
    add_routes(app.router, home.router)
    add_routes(app.router, links.router)
    _error_pages(app)
    return app


def first_answer(app: FastAPI) -> threading.Event:
    """Set once the app has answered its first HTTP request."""
    event: threading.Event = app.state.answered
    return event


def include_every_route(app: FastAPI) -> None:
    """Includes the routes the app otherwise includes on the first request that needs them
    (the wizards' and the backoffice's); a server does it once its first page is answered
    (app/warm_up.py)."""
    app.state.deferred_routes.include()


def _wizards_and_backoffice(runtime: Runtime) -> list[APIRouter]:
    """One wizard per loaded workflow, then the backoffice: the order they were included in
    when the app was created."""
    # Imported on first need, with the modules of their pages: see web/deferred_routes.py.
    from .backoffice.routes import backoffice_router
    from .routes.wizard import wizard_router

    wizards = [wizard_router(compiled) for compiled in runtime.registry.current.values()]
    return [*wizards, backoffice_router()]


@asynccontextmanager
async def _sized_thread_pool(app: FastAPI) -> AsyncIterator[None]:
    """Handlers are plain functions run on anyio's thread pool: as many threads as the
    database pool has connections for (engine/store/db.py)."""
    to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
    yield


# Pages use only the app's own files; mailed links carry tokens in their address, so no other
# site may learn it through the Referer header.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (plain ASGI: no per-request task overhead)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# What a 503 asks the client to wait before trying again.
RETRY_AFTER_SECONDS = 5


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _error_pages(app: FastAPI) -> None:
    words = Words("fr")

    def not_found(request: Request) -> Response:
        return message_page(
            request,
            words["not_found_title"],
            words["not_found"],
            status=404,
            kind="warning",
            links=[("/", words["home"])],
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if request.url.path.startswith(f"{API_PREFIX}/") or request.url.path == API_PREFIX:
            # An address under the API that its mount does not take (a line break in it): the
            # API's own error shape (web/api/common.py).
            found = error.status_code == 404
            body = {
                "error": {
                    "code": "not_found" if found else "http_error",
                    "message": "Cette adresse ne désigne rien." if found else str(error.detail),
                }
            }
            return JSONResponse(body, status_code=error.status_code)
        if _wants_json(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        if error.status_code == 404:
            return not_found(request)
        return message_page(
            request,
            words["bad_request_title"],
            words["bad_request"],
            status=error.status_code,
            kind="warning",
            links=[("/", words["home"])],
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        # A malformed path or query (a forged link, a hand-edited URL): a page, not a trace.
        # A path parameter that fits no type names nothing (404); a malformed query asks
        # something wrong of a page that exists (400).
        in_path = all(problem["loc"][:1] == ("path",) for problem in error.errors())
        status = 404 if in_path else 400
        if _wants_json(request):
            return JSONResponse({"detail": "invalid request"}, status_code=status)
        if in_path:
            return not_found(request)
        return message_page(
            request,
            words["bad_request_title"],
            words["bad_address"],
            status=400,
            kind="warning",
            links=[("/", words["home"])],
        )

    @app.exception_handler(UnacceptableForm)
    async def refused_form(request: Request, error: UnacceptableForm) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "invalid form"}, status_code=400)
        return message_page(
            request,
            words["bad_request_title"],
            words["form_refused"],
            status=400,
            kind="warning",
            links=[("/", words["home"])],
        )

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired) -> Response:
        return RedirectResponse(login_url(error.target), status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return message_page(
            request,
            words["bo_forbidden_title"],
            words["bo_forbidden"],
            status=403,
            kind="warning",
            links=[("/backoffice/", words["backoffice"])],
        )

    @app.exception_handler(UnknownWorkflow)
    async def unknown_workflow(request: Request, error: UnknownWorkflow) -> Response:
        return not_found(request)

    @app.exception_handler(StaleDataError)
    async def conflict(request: Request, error: StaleDataError) -> Response:
        # Two tabs saved the same draft at once: the other one's answers were kept.
        return message_page(
            request,
            words["bad_request_title"],
            words["conflict_draft"],
            status=409,
            kind="warning",
            links=[(request.url.path, words["continue"])],
        )

    async def database_unavailable(request: Request, error: Exception) -> Response:
        # The database refused or dropped the connection (its connection limit reached, a
        # restart, a lock held past the busy timeout) or the pool had none to give: nothing
        # was written, and the same request may succeed in a moment. The error's text may
        # quote the statement, so only its kind is logged.
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            route_template(request.scope),
            type(getattr(error, "orig", None) or error).__name__,
        )
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if _wants_json(request):
            return JSONResponse({"detail": "unavailable"}, status_code=503, headers=headers)
        page = message_page(
            request, words["unavailable_title"], words["unavailable"], status=503, kind="error"
        )
        page.headers.update(headers)
        return page

    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeout, database_unavailable)

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, route_template(request.scope))
        return HTMLResponse(
            message_page(
                request,
                words["server_error_title"],
                words["server_error"],
                status=500,
                kind="error",
            ).body,
            status_code=500,
        )
