"""Backoffice: the notifications addressed to the user's roles, newest first, each with a link
to its request. Those not yet read by this user are marked, and viewing the page marks them
read (reading is personal: a notification goes to a role, each of its users reads it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from engine.service.notifications import mark_read, notifications_for
from engine.service.transaction import begin_write
from engine.translations import N_, Phrasebook

from ..params import Page
from .access import ProcessDesk
from .request_words import local_moment

router = APIRouter(prefix="/backoffice/{workflow_id}")

PAGE_SIZE = 50

WORDS = Phrasebook(
    {
        "intro": N_("The notifications sent to your roles, newest first."),
        "none": N_("No notification for your roles."),
        "unread": N_("Unread"),
        "see": N_("See request {reference}"),
        "role": N_("for the role {role}"),
        "page": N_("Page {n}"),
        "previous": N_("Newer"),
        "next": N_("Older"),
        "pages": N_("Pages"),
    }
)


@router.get("/notifications", response_class=HTMLResponse)
def notifications(desk: ProcessDesk, page: Page = 1) -> HTMLResponse:
    words = WORDS.words(desk.locale)
    roles = desk.staff.roles_in(desk.compiled)
    account = desk.staff.account
    lines, more = notifications_for(
        desk.db, account, roles, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    unread = [line.id for line in lines if line.unread]
    if unread:
        # Committed before the frame counts what is left unread.
        begin_write(desk.db)
        mark_read(desk.db, account.id, roles, unread, desk.runtime.now())
    labels = {r.id: desk.text(r.label) for r in desk.compiled.spec.roles}
    items: list[dict[str, Any]] = []
    for line in lines:
        key = line.reference or line.public_id
        href = (
            f"/backoffice/{line.workflow_id}/demandes/{quote(key, safe='')}"
            if key and line.workflow_id
            else ""
        )
        items.append(
            {
                "message": line.message,
                "when": local_moment(desk, line.created_at),
                "unread": line.unread,
                "href": href,
                "see": words["see"].format(reference=line.reference or ""),
                "role": words["role"].format(role=labels.get(line.role, line.role)),
            }
        )
    base = f"{desk.base}/notifications"
    return desk.page(
        "backoffice/notifications.html",
        title=desk.words["bo_notifications"],
        texts=words,
        items=items,
        pager={
            "shown": page > 1 or more,
            "label": words["page"].format(n=page),
            "previous": (f"{base}?page={page - 1}" if page > 2 else base) if page > 1 else None,
            "next": f"{base}?page={page + 1}" if more else None,
        },
    )
