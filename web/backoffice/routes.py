"""Every backoffice router, included by the web app (web/app.py)."""

from __future__ import annotations

from fastapi import APIRouter

from ..route_table import add_routes
from . import (
    api_tokens,
    attendance,
    auth,
    bulk_actions,
    consents,
    export,
    mails,
    notifications,
    overview,
    pdf_test,
    personal_data,
    reference,
    request_list_page,
    request_page,
    sessions_admin,
    settings_page,
    summary,
    users,
    webhooks,
)


def backoffice_router() -> APIRouter:
    router = APIRouter()
    for module in (
        auth,
        request_list_page,
        bulk_actions,
        request_page,
        personal_data,
        notifications,
        overview,
        summary,
        mails,
        sessions_admin,
        attendance,
        reference,
        pdf_test,
        export,
        consents,
        settings_page,
        users,
        webhooks,
        api_tokens,
    ):
        add_routes(router, module.router)
    return router
