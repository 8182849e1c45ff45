"""Routes included in the app on first need rather than when it is created.

Declaring a FastAPI route analyses its handler's parameters and dependencies; the backoffice's
eighty-odd routes, with the imports of their modules, took a fifth of a server's start-up, though
its first page (`GET /`) needs none of them. `DeferredRoutes` includes a router under a path
prefix the first time it is needed: by `include()`, which a server calls beside its start
(app/warm_up.py), or by the first request under the prefix, which waits for it. Every request
is routed by the complete table: one arriving under the prefix before the routes are there waits
for them (on a worker thread, so the event loop keeps answering other pages), and those
elsewhere cannot match them. The routes are appended at the end of the table, where an eager
`include_router` would have put them last, so the order of matching is unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send


class DeferredRoutes:
    """A router built by `build` and included in `app` once, on first need. Every path it
    declares must start with `prefix`: requests elsewhere do not wait for it."""

    def __init__(self, app: FastAPI, prefix: str, build: Callable[[], APIRouter]) -> None:
        self.app = app
        self.prefix = prefix
        self._build = build
        self._lock = threading.Lock()
        self._included = False

    @property
    def included(self) -> bool:
        return self._included

    def concerns(self, path: str) -> bool:
        # Anywhere in the path, not only at its start: behind a proxy that serves the app
        # under a root path, the path the router sees starts with it. A path that merely
        # contains the prefix only makes the routes come a little earlier.
        return self.prefix in path

    def include(self) -> None:
        """Builds and includes the routes unless done already; callers that arrive meanwhile
        wait for the one building, so it happens once."""
        if self._included:
            return
        with self._lock:
            if self._included:
                return
            router = self._build()
            self.app.include_router(router)
            self._included = True


class WaitForRoutes:
    """ASGI middleware holding a request under the prefix until the routes are included. Added
    innermost, just before routing: the access log and the error pages see the request as usual."""

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
