"""What the management pages (reference lists, training sessions) share: one-time messages
shown after a redirection, the "not found" and "form expired" pages, CSV downloads, and the
preview-then-confirm import of a CSV file, whose confirmation carries a token binding it to the
previewed content."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from engine.service.imports import (
    MAX_BYTES,
    ImportPlan,
    ImportProblem,
    decode,
)
from engine.service.links import LinkError
from engine.translations import N_

from ..deps import form_of
from ..pages import message_page
from .access import Desk

IMPORT_LIFETIME = timedelta(hours=2)
FLASH = "bo_reference_flash"


def flash(desk: Desk, text: str, kind: str = "success") -> None:
    desk.request.session[FLASH] = {"text": text, "kind": kind}


def take_flash(desk: Desk) -> dict[str, str] | None:
    found = desk.request.session.pop(FLASH, None)
    return found if isinstance(found, dict) else None


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def expired_form(desk: Desk) -> HTMLResponse:
    return message_page(
        desk.request,
        desk.gettext("Form expired"),
        desk.gettext("This form expired: go back to the previous page, reload it and try again."),
        status=403,
        kind="error",
        links=[(desk.base, desk.gettext("Back to the backoffice"))],
    )


def said(desk: Desk, problem: Exception) -> str:
    """What a use case's refusal says, in the desk's language (its first argument is a
    `Message` when the use case wrote one)."""
    first = problem.args[0] if problem.args else ""
    return desk.gettext(first) if isinstance(first, str) else str(problem)


def not_found(desk: Desk, message: str) -> HTMLResponse:
    """`message` is a message id (N_), said in the desk's language."""
    return message_page(
        desk.request,
        desk.gettext("Not found"),
        desk.gettext(message),
        status=404,
        kind="error",
        links=[(desk.base, desk.gettext("Back to the backoffice"))],
    )


# The posted import form: a file, or the text pasted or carried from the preview (larger than
# the ordinary form limit).
ImportForm = Annotated[
    FormData, Depends(form_of(max_files=1, max_fields=20, max_part_size=3 * MAX_BYTES))
]


def import_text(form: FormData) -> str:
    """The uploaded file's text, else the pasted text (line ends normalised)."""
    upload = form.get("file")
    text = ""
    if isinstance(upload, UploadFile):
        data = upload.file.read(MAX_BYTES + 1)
        if data:
            text = decode(data)
    if not text:
        pasted = form.get("content")
        text = pasted if isinstance(pasted, str) else ""
        if len(text) > MAX_BYTES:
            raise ImportProblem(N_("The content exceeds the allowed size."))
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _purpose(desk: Desk, target: str) -> str:
    return f"bo-import:{desk.compiled.spec.id}:{target}:{desk.staff.account.id}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def import_token(desk: Desk, target: str, text: str) -> str:
    """Signs the digest of the previewed text: the confirmation posts the text back with it,
    so nothing is kept on the server between the two steps."""
    return desk.runtime.signer.sign(_purpose(desk, target), _digest(text))


def import_token_ok(desk: Desk, target: str, text: str, token: str) -> bool:
    try:
        signed = desk.runtime.signer.read(_purpose(desk, target), token, IMPORT_LIFETIME)
    except LinkError:
        return False
    return signed == _digest(text)


def import_page(
    desk: Desk,
    *,
    title: str,
    back: str,
    action: str,
    columns: list[str],
    plan: ImportPlan | None = None,
    problem: str = "",
    content: str = "",
    status: int = 200,
) -> HTMLResponse:
    return desk.page(
        "backoffice/reference_import.html",
        status=status,
        title=title,
        back=back,
        action=action,
        columns=columns,
        plan=plan,
        problem=problem,
        content=content,
        token=import_token(desk, action, content) if plan is not None else "",
        flash=take_flash(desk),
    )


def csv_response(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
