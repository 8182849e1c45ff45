"""Every backoffice router, included by create_app."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    auth,
    export,
    mails,
    notifications,
    overview,
    pdf_test,
    queue,
    reference,
    sessions_admin,
    settings_page,
    users,
)


def backoffice_router() -> APIRouter:
    router = APIRouter()
    for module in (
        auth,
        queue,
        notifications,
        overview,
        mails,
        sessions_admin,
        reference,
        pdf_test,
        export,
        settings_page,
        users,
    ):
        router.include_router(module.router)
    return router
