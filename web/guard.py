"""Addresses no page can take, refused before routing: a NUL byte in the path or the query
string (as sent or percent-encoded), or percent-encoded bytes that are not UTF-8.

The server and Starlette decode such bytes silently (invalid UTF-8 becomes U+FFFD, NUL stays),
so a handler would otherwise receive a value the person never typed, or one PostgreSQL refuses
to compare with a text column."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.translations import DEFAULT_LANGUAGE, preferred_language

from .i18n import Words
from .pages import message_page


def clean_part(raw: bytes) -> bool:
    """Whether a path or a query string, as sent, decodes to UTF-8 text without NUL."""
    decoded = unquote_to_bytes(raw)
    if b"\x00" in decoded:
        return False
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def clean_address(scope: Scope) -> bool:
    raw_path = scope.get("raw_path")
    if raw_path is None:
        # Servers that do not keep the path as sent: what they decoded is all there is.
        raw_path = scope["path"].encode("utf-8", "surrogateescape")
    return clean_part(raw_path) and clean_part(scope.get("query_string", b""))


class AddressGuard:
    """Answers 400 to any request whose address holds what `clean_address` refuses (plain
    ASGI: nothing runs per request beyond the check)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or clean_address(scope):
            await self.app(scope, receive, send)
            return
        response = refusal(Request(scope, receive))
        await response(scope, receive, send)


def refusal(request: Request) -> Response:
    if request.url.path.startswith("/api/"):
        # The JSON API's error shape (web/api/app.py).
        error = {"code": "bad_address", "message": "Adresse invalide (NUL ou octets non UTF-8)."}
        return JSONResponse({"error": error}, status_code=400)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": "invalid address"}, status_code=400)
    # No workflow is known yet: the browser's language, else the default one.
    locale = preferred_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE
    words = Words(locale)
    return message_page(
        request,
        words["bad_request_title"],
        words["bad_address"],
        status=400,
        locale=locale,
        kind="warning",
        links=[("/", words["home"])],
    )
