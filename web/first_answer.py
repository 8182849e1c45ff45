"""Knowing when the app has sent its first answer: a server leaves the work it can do later
(app/warm_up.py) until then, so that the first page does not share the processor with it."""

from __future__ import annotations

import threading

from starlette.types import ASGIApp, Receive, Scope, Send


class FirstAnswer:
    """ASGI middleware that sets `answered` once a first HTTP request has been answered (or
    has failed): after that, it only reads a flag."""

    def __init__(self, app: ASGIApp, answered: threading.Event) -> None:
        self.app = app
        self.answered = answered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.answered.is_set() or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.answered.set()
