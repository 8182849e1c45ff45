"""Routes included in the app on first need rather than when it is created.

Declaring a FastAPI route analyses its handler's parameters and dependencies; the wizards' and
the backoffice's hundred-odd routes, with the imports of their modules, took a quarter of a
server's start-up, though its first page (`GET /`) needs none of them. `DeferredRoutes` includes
routers under known path prefixes the first time they are needed: by `include()`, which a server
calls once its first page is answered (app/warm_up.py), or by the first request under one of the
prefixes, which waits for it. Every request is routed by the complete table: one arriving under
a prefix before the routes are there waits for them (on a worker thread, so the event loop keeps
answering other pages), and those elsewhere cannot match them. The routers are appended at the
end of the table, in the order given, where eager calls would have put them last, so the order
of matching is unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from .route_table import add_routes


class DeferredRoutes:
    """The routers `build` returns, included in `app` once, on first need. Every path they
    declare must start with one of `prefixes`: requests elsewhere do not wait for them."""

    def __init__(
        self, app: FastAPI, prefixes: Sequence[str], build: Callable[[], list[APIRouter]]
    ) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        self._build = build
        self._lock = threading.Lock()
        self._included = False

    @property
    def included(self) -> bool:
        return self._included

    def concerns(self, path: str) -> bool:
        # Anywhere in the path, not only at its start: behind a proxy that serves the app
        # under a root path, the path the router sees starts with it. A path that merely
        # contains a prefix only makes the routes come a little earlier.
        return any(prefix in path for prefix in self.prefixes)

    def include(self) -> None:
        """Builds and includes the routes unless done already; callers that arrive meanwhile
        wait for the one building, so it happens once."""
        if self._included:
            return
        with self._lock:
            if self._included:
                return
            for router in self._build():
                add_routes(self.app.router, router)
            self._included = True


class WaitForRoutes:
    """ASGI middleware holding a request under the prefixes until the routes are included.
    Added innermost, just before routing: the access log and the error pages see the request
    as usual."""

    def __init__(self, app: ASGIApp, deferred: DeferredRoutes) -> None:
        self.app = app
        self.deferred = deferred

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.deferred.included
            and scope["type"] in ("http", "websocket")
            and self.deferred.concerns(scope["path"])
        ):
            # On a worker thread: importing and declaring the routes takes a few tenths of a
            # second, during which the event loop keeps answering the other pages.
            await to_thread.run_sync(self.deferred.include)
        await self.app(scope, receive, send)
