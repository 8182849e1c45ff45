"""One access line and one metrics observation per HTTP request, under a request id.

A path may carry a mailed link's token and a query string an applicant's name (a backoffice
search): neither is ever written. Requests are named by the template of the route that
answered them (`/liens/{link_id}/{token}`), or "unmatched"."""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.logs import REQUEST_ID

log = logging.getLogger("onboarding.access")

HEADER = "X-Request-ID"
# A proxy's id is kept when it cannot smuggle anything into a log line.
PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Anything else a client sends as a method is counted as "other": labels stay few.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes and scrapes come every few seconds: their lines are kept for DEBUG.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"

HTTP_REQUESTS = Counter(
    "onboarding_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "onboarding_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
)


def request_id_of(scope: Scope) -> str:
    """The incoming X-Request-ID when short and plain, otherwise a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if PLAIN_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


def route_template(scope: Scope, root_path: str = "") -> str:
    """The template of the route that answered (known once the app has run), never the path:
    a mount such as the static files reads `/static/{path}`."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    mounted = str(scope.get("root_path", ""))
    if "endpoint" in scope and len(mounted) > len(root_path):
        return f"{mounted[len(root_path) :]}/{{path}}"
    return UNMATCHED


def method_of(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in METHODS else "other"


class AccessLog:
    """Pure ASGI middleware (no task per request): sets the request id for every line
    written while the request is handled, echoes it in the response, then writes the access
    line (method, route template, status, duration in ms, request id) and counts the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        # Not reset afterwards: the server's error handler, outside this middleware, logs
        # under the same id; each request runs in a context of its own.
        REQUEST_ID.set(request_id)
        root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message).append(HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope, root_path)
            method = method_of(scope)
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_DURATION.labels(route, method).observe(elapsed)
            duration_ms = round(elapsed * 1000, 1)
            log.log(
                logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                "%s %s %s %.1f ms",
                method,
                route,
                status,
                duration_ms,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
