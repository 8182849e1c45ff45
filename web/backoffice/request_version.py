"""Backoffice: the version of its workflow a request runs on, and whether it may move to the
current one (the same use case as `onboarding migrate`, for one request)."""

from __future__ import annotations

from typing import Any

from engine.service.version_moves import plan_moves
from engine.store.models import RequestRow

from .access import Desk
from .request_words import request_href, say_for


def version_view(desk: Desk, row: RequestRow, key: str) -> dict[str, Any]:
    """What the request's page says of its version. A request of an earlier version keeps
    that version's transitions (decision 0019); the page says so and offers the move when it
    is safe and the user manages the workflow."""
    say = say_for(desk)
    current = desk.compiled.content_hash
    view: dict[str, Any] = {
        "short": row.spec_hash[:12],
        "current": row.spec_hash == current,
        "current_short": current[:12],
        "movable": False,
        "refusal": "",
        "href": f"{request_href(desk, key)}/version-actuelle",
    }
    if view["current"]:
        return view
    plan = plan_moves(desk.db, desk.runtime.registry, desk.compiled.spec.id, [row.public_id])
    if plan.refused:
        view["refusal"] = say("version_unmapped", state=row.state)
    view["movable"] = bool(plan.moves) and plan.safe and desk.may("manage")
    return view
