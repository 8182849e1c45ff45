"""Backoffice: the queue of requests (being written)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from .access import ProcessDesk

router = APIRouter(prefix="/backoffice/{workflow_id}")


@router.get("/demandes", response_class=HTMLResponse)
async def queue(desk: ProcessDesk) -> HTMLResponse:
    return desk.page("backoffice/queue.html", title=desk.words["bo_requests"])
