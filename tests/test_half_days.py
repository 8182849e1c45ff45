"""The half-days of a session, derived from its dates in the organisation's time zone, and the
attendance view templates read (engine/half_days.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engine.half_days import attendance_view, half_days

PARIS = ZoneInfo("Europe/Paris")


def keys_and_hours(starts: datetime, ends: datetime) -> list[tuple[str, float | None]]:
    return [(d.key, d.hours) for d in half_days(starts, ends, PARIS)]


def test_a_day_from_nine_to_five_is_a_morning_and_an_afternoon() -> None:
    # 09:00 to 17:00 in Paris (summer time: UTC+2).
    starts = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    ends = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    assert keys_and_hours(starts, ends) == [("2026-06-01:am", 4.0), ("2026-06-01:pm", 4.0)]


def test_a_short_morning_is_one_half_day_and_an_afternoon_starts_at_one() -> None:
    morning = keys_and_hours(
        datetime(2026, 10, 2, 9, 0, tzinfo=UTC), datetime(2026, 10, 2, 10, 15, tzinfo=UTC)
    )
    assert morning == [("2026-10-02:am", 1.25)]
    afternoon = keys_and_hours(
        datetime(2026, 10, 2, 11, 0, tzinfo=UTC), datetime(2026, 10, 2, 14, 30, tzinfo=UTC)
    )
    assert afternoon == [("2026-10-02:pm", 3.5)]  # 13:00 to 16:30 in Paris


def test_every_day_of_a_multi_day_session_runs_from_its_start_to_its_end_time() -> None:
    days = keys_and_hours(
        datetime(2026, 3, 10, 8, 30, tzinfo=UTC), datetime(2026, 3, 12, 11, 0, tzinfo=UTC)
    )  # 09:30 to 12:00 in Paris (winter time), three days: mornings only
    assert days == [("2026-03-10:am", 2.5), ("2026-03-11:am", 2.5), ("2026-03-12:am", 2.5)]


def test_a_session_across_nights_gives_half_days_without_hours() -> None:
    # From a Monday 14:00 to a Wednesday 11:00 in Paris.
    days = keys_and_hours(
        datetime(2026, 3, 9, 13, 0, tzinfo=UTC), datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    )
    assert days == [
        ("2026-03-09:pm", None),
        ("2026-03-10:am", None),
        ("2026-03-10:pm", None),
        ("2026-03-11:am", None),
    ]


def test_no_half_days_for_an_empty_or_endless_session() -> None:
    moment = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert half_days(moment, moment, PARIS) == []
    assert half_days(moment, moment.replace(year=2028), PARIS) == []


def test_the_attendance_view_counts_and_adds_the_hours() -> None:
    days = half_days(
        datetime(2026, 6, 1, 7, 0, tzinfo=UTC), datetime(2026, 6, 2, 14, 30, tzinfo=UTC), PARIS
    )  # 09:00 to 16:30: 4 h and 3 h 30 a day
    view = attendance_view(days, {"2026-06-01:am": True, "2026-06-01:pm": False}, "fr")
    assert (view["planned"], view["present"], view["absent"], view["unrecorded"]) == (4, 1, 1, 2)
    assert (view["hours_present"], view["hours_planned"]) == ("4 h", "15 h")
    assert view["complete"] is False
    assert [h["status"] for h in view["half_days"]] == [
        "Présent·e",
        "Absent·e",
        "Non saisi",
        "Non saisi",
    ]
    assert view["half_days"][1]["label"] == "lun. 01/06/2026 après-midi"
    assert view["half_days"][1]["hours"] == "3 h 30"
    full = attendance_view(days, {d.key: True for d in days}, "fr")
    assert full["complete"] is True and full["hours_present"] == "15 h"
