"""What the API's handlers share: the errors they answer with, the token's caller, and the
workflow of the address as the caller's role reaches it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from engine.compiled import CompiledWorkflow
from engine.service.api_tokens import ApiCaller, authenticate
from engine.service.context import Runtime

from ..deps import Db
from .schemas import ErrorBody


class ApiError(Exception):
    """An answer other than success: its status, a stable code and a message for people."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    detail = {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def _error(status: int, description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Declared on every route, so that the document describes the errors as they are sent.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error(400, "malformed query or body"),
    401: _error(401, "no token, or not a valid one"),
    403: _error(403, "the token's role does not allow this"),
    404: _error(404, "nothing at this address"),
    422: _error(422, "a body that does not pass the rules"),
}
CONFLICT = {409: _error(409, "the request changed meanwhile, or the transition cannot be fired")}


# -- the caller ---------------------------------------------------------------------------------

MAX_AUTHORIZATION = 200


def caller(request: Request, db: Db) -> ApiCaller:
    """The token's caller; 401 without a token or with one that is unknown or revoked."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise ApiError(401, "unauthenticated", "Jeton manquant : Authorization: Bearer <jeton>.")
    if scheme.lower() != "bearer" or len(header) > MAX_AUTHORIZATION:
        raise ApiError(401, "invalid_token", "En-tête Authorization attendu : Bearer <jeton>.")
    runtime: Runtime = request.app.state.runtime
    found = authenticate(db, token.strip(), runtime.now())
    if found is None:
        raise ApiError(401, "invalid_token", "Ce jeton n'est pas valide ou a été révoqué.")
    return found


Caller = Annotated[ApiCaller, Depends(caller)]


def workflow_for(
    request: Request, workflow_id: str, who: ApiCaller, level: str
) -> CompiledWorkflow:
    """The workflow of the address, when the caller's role reaches `level` in it."""
    runtime: Runtime = request.app.state.runtime
    compiled = runtime.registry.get(workflow_id)
    if compiled is None:
        raise ApiError(404, "not_found", f"Aucun processus « {workflow_id} ».")
    if who.role not in {r.id for r in compiled.spec.roles}:
        raise ApiError(404, "not_found", f"Aucun processus « {workflow_id} ».")
    if not who.may(compiled, level):
        raise ApiError(403, "forbidden", "Le rôle de ce jeton ne permet pas cette opération.")
    return compiled
