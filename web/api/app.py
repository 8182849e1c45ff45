"""The JSON API: a FastAPI application of its own, mounted at `/api/v1` by the web app
(web/api/mount.py), with its OpenAPI document at `/api/v1/openapi.json`.

Its callers are programs presenting a token (`Authorization: Bearer onb_...`, created by an
admin: engine/service/api_tokens.py); no cookie, no CSRF token. Every answer is JSON, errors
included (`{"error": {"code", "message"}}`): a malformed body, path or query is a 4xx saying
what is wrong, never an HTML page nor a 500. The handlers call the same services as the
backoffice's pages, so the same rules hold whoever asks."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.service.context import Runtime

from . import catalog, requests
from .common import ApiError, error_response

log = logging.getLogger("onboarding.api")


# -- the application ----------------------------------------------------------------------------


def build_api(runtime: Runtime, sessions: Any, prefix: str) -> FastAPI:
    api = FastAPI(
        title="Onboarding API",
        version="1",
        description=(
            "Requests, their transitions, reference lists and training sessions, for programs. "
            "Authenticate with `Authorization: Bearer <token>` (tokens are created by admins)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        servers=[{"url": prefix}],
    )
    api.state.runtime = runtime
    api.state.sessions = sessions
    api.include_router(requests.router)
    api.include_router(catalog.router)
    _errors(api)
    _bearer_in_document(api)
    return api


def _bearer_in_document(api: FastAPI) -> None:
    """The document says every operation needs the bearer token."""
    plain = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = plain()
            components = schema.setdefault("components", {})
            components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
            schema["security"] = [{"bearer": []}]
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def _validation_message(error: RequestValidationError) -> tuple[int, str, str, dict[str, str]]:
    problems = error.errors()
    where = {str(p["loc"][0]) for p in problems if p.get("loc")}
    fields = {}
    for problem in problems[:20]:
        place = [str(part) for part in problem.get("loc", ())]
        fields[".".join(place[1:]) or ".".join(place) or "body"] = str(problem.get("msg", ""))[:300]
    if where == {"path"}:
        return 404, "not_found", "Cette adresse ne désigne rien.", fields
    if any(p.get("type") == "json_invalid" for p in problems):
        return 400, "malformed_json", "Le corps n'est pas un JSON valide.", {}
    if "body" in where:
        return 422, "invalid", "Le corps de la requête ne convient pas.", fields
    return 400, "bad_query", "Paramètres de la requête invalides.", fields


def _errors(api: FastAPI) -> None:
    @api.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return error_response(error.status, error.code, error.message, headers, **error.extra)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        status, code, message, fields = _validation_message(error)
        return error_response(status, code, message, fields=fields or None)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = str(error.detail)
        if error.status_code == 404:
            message = "Cette adresse ne désigne rien."
        allow = (error.headers or {}).get("allow")
        headers = {"Allow": allow} if allow else None
        return error_response(
            error.status_code, codes.get(error.status_code, "http_error"), message, headers
        )

    async def unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("database unavailable on the API: %s", type(error).__name__)
        return error_response(
            503, "unavailable", "Service momentanément indisponible.", {"Retry-After": "5"}
        )

    api.add_exception_handler(OperationalError, unavailable)
    api.add_exception_handler(PoolTimeout, unavailable)

    @api.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "server_error", "Erreur inattendue.")
