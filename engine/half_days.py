"""Half-days of a training session and a participant's attendance over them.

The rule. A session runs from its start to its end, read in the organisation's time zone. Each
calendar day from the start's date to the end's date is a day of the session, and a day has a
morning (before 13:00) and an afternoon (from 13:00). When the start's clock time is before the
end's (09:00 → 17:00), every day of the session runs from the start's clock time to the end's:
a half-day belongs to the session when that daily span reaches into it, and its hours are the
part of the span that falls in it (09:00 → 17:00 gives 4 h in the morning and 4 h in the
afternoon; a lunch break is not known, so it is not deducted). Otherwise (a session starting
one afternoon and ending a later morning, or running through the night), the first day runs
from the start to midnight, the last from midnight to the end, the days between are whole, and
no hours are given.

A half-day is known by its key, `YYYY-MM-DD:am` or `YYYY-MM-DD:pm`: what attendance is stored
under. Nothing here reads a database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from .translations import N_, Phrasebook, language_of

NOON = time(13, 0)
MORNING, AFTERNOON = "am", "pm"
# A session longer than this gives no half-days: attendance is for courses, not for years.
MAX_DAYS = 366

PART_WORDS = Phrasebook(
    {
        "am": N_("morning"),
        "pm": N_("afternoon"),
    }
)
STATUS_WORDS = Phrasebook(
    {
        "present": N_("Present"),
        "absent": N_("Absent"),
        "unrecorded": N_("Not recorded"),
    }
)

# The names templates read (the checker's scope lists them from here).
HALF_DAY_ATTRIBUTES = frozenset({"key", "date", "part", "label", "hours"})
ATTENDED_HALF_DAY_ATTRIBUTES = HALF_DAY_ATTRIBUTES | {"present", "status"}
ATTENDANCE_ATTRIBUTES = frozenset(
    {
        "half_days",
        "planned",
        "present",
        "absent",
        "unrecorded",
        "hours_planned",
        "hours_present",
        "complete",
    }
)


@dataclass(frozen=True, slots=True)
class HalfDay:
    day: date
    part: str  # MORNING or AFTERNOON
    hours: float | None  # the part of the daily span in it; None when not derivable

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}:{self.part}"

    def label(self, locale: str) -> str:
        weekday = get_day_names("abbreviated", locale=language_of(locale))[self.day.weekday()]
        return f"{weekday} {self.day:%d/%m/%Y} {PART_WORDS.words(locale)[self.part]}"

    def view(self, locale: str) -> dict[str, object]:
        return {
            "key": self.key,
            "date": self.day.isoformat(),
            "part": self.part,
            "label": self.label(locale),
            "hours": _hours_text(self.hours),
        }


def _hours_text(hours: float | None) -> str | None:
    if hours is None:
        return None
    whole = int(hours)
    minutes = round((hours - whole) * 60)
    return f"{whole} h" if minutes == 0 else f"{whole} h {minutes:02d}"


def _span_hours(start: time, end: time) -> float:
    """Hours from `start` to `end` on one day (`end` of time.max meaning midnight)."""
    begin = start.hour * 60 + start.minute
    finish = 24 * 60 if end == time.max else end.hour * 60 + end.minute
    return max(finish - begin, 0) / 60


def half_days(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> list[HalfDay]:
    """The half-days of a session, in order; none when it ends before it starts or lasts more
    than MAX_DAYS days."""
    start = starts_at.astimezone(zone)
    end = ends_at.astimezone(zone)
    if end <= start or (end.date() - start.date()).days >= MAX_DAYS:
        return []
    daily = start.time() < end.time()
    found: list[HalfDay] = []
    day = start.date()
    while day <= end.date():
        if daily:
            begin, finish = start.time(), end.time()
        else:
            begin = start.time() if day == start.date() else time.min
            finish = end.time() if day == end.date() else time.max
        for part, (low, high) in ((MORNING, (time.min, NOON)), (AFTERNOON, (NOON, time.max))):
            lo, hi = max(begin, low), min(finish, high)
            if _span_hours(lo, hi) > 0:
                found.append(HalfDay(day, part, _span_hours(lo, hi) if daily else None))
        day += timedelta(days=1)
    return found


def half_days_of_view(session: Mapping[str, object], zone: ZoneInfo) -> list[HalfDay]:
    """The half-days of a session as templates see it (`starts_at`, `ends_at` in ISO form)."""
    starts, ends = session.get("starts_at"), session.get("ends_at")
    if not isinstance(starts, str) or not isinstance(ends, str):
        return []
    try:
        return half_days(datetime.fromisoformat(starts), datetime.fromisoformat(ends), zone)
    except ValueError:
        return []


def attendance_view(
    days: Iterable[HalfDay], marks: Mapping[str, bool], locale: str
) -> dict[str, object]:
    """What templates read as `attendance`: each half-day with `present` (True, False, or None
    when nothing was recorded) and its status in words, the counts, the hours planned and
    attended (None when the session's hours are not derivable), and `complete` when every
    half-day is recorded."""
    words = STATUS_WORDS.words(locale)
    listed = []
    planned = present = absent = 0
    hours_planned: float | None = 0.0
    hours_present: float | None = 0.0
    for day in days:
        mark = marks.get(day.key)
        planned += 1
        present += mark is True
        absent += mark is False
        if day.hours is None or hours_planned is None or hours_present is None:
            hours_planned = hours_present = None
        else:
            hours_planned += day.hours
            hours_present += day.hours if mark is True else 0.0
        status = "present" if mark is True else "absent" if mark is False else "unrecorded"
        listed.append({**day.view(locale), "present": mark, "status": words[status]})
    return {
        "half_days": listed,
        "planned": planned,
        "present": present,
        "absent": absent,
        "unrecorded": planned - present - absent,
        "hours_planned": _hours_text(hours_planned) if planned else None,
        "hours_present": _hours_text(hours_present) if planned else None,
        "complete": planned > 0 and present + absent == planned,
    }


def empty_attendance() -> dict[str, object]:
    return attendance_view([], {}, "fr")
