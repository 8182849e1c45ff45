"""The attendance recorded for requests, read: per request, whether its participant was there
for each half-day of its training session (`engine/half_days.py` gives the half-days and the
view templates read as `attendance`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..half_days import attendance_view, empty_attendance, half_days_of_view
from ..store.models import AttendanceMark


def marks_of(db: Session, request_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    """{request id: {half-day key: present}} for what was recorded."""
    ids = list(request_ids)
    found: dict[int, dict[str, bool]] = {i: {} for i in ids}
    if not ids:
        return found
    for request_id, half_day, present in db.execute(
        select(AttendanceMark.request_id, AttendanceMark.half_day, AttendanceMark.present).where(
            AttendanceMark.request_id.in_(ids)
        )
    ):
        found[request_id][half_day] = present
    return found


def attendance_of(
    db: Session,
    request_id: int | None,
    session: Mapping[str, Any],
    zone: ZoneInfo,
    locale: str,
) -> dict[str, Any]:
    """What templates read as `attendance` for one request: the half-days of its session with
    what was recorded; empty without a session (or before the request is stored)."""
    days = half_days_of_view(session, zone)
    if request_id is None or not days:
        return empty_attendance()
    return attendance_view(days, marks_of(db, [request_id])[request_id], locale)
