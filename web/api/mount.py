"""The JSON API as the web app mounts it, at `/api/v1`: built on its first request (on a worker
thread, so the event loop keeps answering), so that a server's start does not pay for its
modules and routes."""

from __future__ import annotations

import threading
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from engine.service.context import Runtime

PREFIX = "/api/v1"


class LazyApi:
    """The API application, built once, on first need."""

    def __init__(self, runtime: Runtime, sessions: Any) -> None:
        self.runtime = runtime
        self.sessions = sessions
        self._api: FastAPI | None = None
        self._lock = threading.Lock()

    def built(self) -> FastAPI:
        with self._lock:
            if self._api is None:
                from .app import build_api  # on first need: see the module's doc

                self._api = build_api(self.runtime, self.sessions, PREFIX)
            return self._api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = self._api or await to_thread.run_sync(self.built)
        await api(scope, receive, send)
