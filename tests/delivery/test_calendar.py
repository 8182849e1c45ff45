"""The calendar file of a session, read back with icalendar: the hours in the organisation's
zone on either side of a change of summer time, the zone's rules included, text escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from engine.delivery.calendar import CalendarEvent, render_calendar

PARIS = ZoneInfo("Europe/Paris")


def event(starts_at: datetime, **changes: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "r-1-S1@example.org",
        "sequence": 3,
        "summary": "Budget ; les bases, pas à pas",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=3),
        "zone": PARIS,
        "stamp": datetime(2026, 1, 1, tzinfo=UTC),
        "location": "Salle 2, 1er étage",
    }
    values.update(changes)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def test_winter_and_summer_hours_are_those_of_paris() -> None:
    for starts_utc, local_hour, offset in (
        (datetime(2027, 1, 14, 8, 0, tzinfo=UTC), 9, 1),
        (datetime(2026, 7, 2, 7, 0, tzinfo=UTC), 9, 2),
    ):
        calendar = icalendar.Calendar.from_ical(render_calendar(event(starts_utc)))
        [vevent] = calendar.walk("VEVENT")
        start = vevent.decoded("DTSTART")
        assert start == starts_utc
        assert (start.hour, start.utcoffset()) == (local_hour, timedelta(hours=offset))
        assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
        [zone] = calendar.walk("VTIMEZONE")
        offsets = {c["TZOFFSETTO"].to_ical() for c in zone.subcomponents}
        assert offsets == {"+0100", "+0200"}


def test_text_is_escaped_and_read_back_whole() -> None:
    data = render_calendar(event(datetime(2026, 10, 2, 9, 0, tzinfo=UTC)))
    assert b"LOCATION:Salle 2\\, 1er \xc3\xa9tage" in data
    [vevent] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Budget ; les bases, pas à pas"
    assert str(vevent["LOCATION"]) == "Salle 2, 1er étage"
    assert (str(vevent["UID"]), int(vevent["SEQUENCE"])) == ("r-1-S1@example.org", 3)
    assert "ORGANIZER" not in vevent and "ATTENDEE" not in vevent  # none given
