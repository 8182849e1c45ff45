"""A calendar document: one event of a training session for one request, as an iCalendar file
(RFC 5545) that a mail attaches and a calendar program adds, or updates, with a click.

The event's UID never changes for a request and its session, and its SEQUENCE is the session's
revision (bumped whenever its dates or place change): a calendar that already holds the event
replaces it with the newer copy rather than adding a second one (RFC 5546, METHOD:REQUEST).
The start and end are written in the organisation's time zone with its VTIMEZONE, so the
event stays at the right hour across a change of summer time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

CONTENT_TYPE = "text/calendar; method=REQUEST; charset=UTF-8"
PRODUCT = "-//onboarding-engine//calendar//EN"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    sequence: int
    summary: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    zone: ZoneInfo
    stamp: datetime  # when this copy was made
    location: str = ""
    description: str = ""
    organizer_email: str = ""
    organizer_name: str = ""
    attendee_email: str = ""
    attendee_name: str = ""


def _address(email: str, name: str, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = icalendar.vText(name)
    for key, value in params.items():
        address.params[key] = icalendar.vText(value)
    return address


def render_calendar(event: CalendarEvent) -> bytes:
    """The .ics file of one event, to send as `CONTENT_TYPE`."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", event.stamp.astimezone(ZoneInfo("UTC")))
    vevent.add("dtstart", event.starts_at.astimezone(event.zone))
    vevent.add("dtend", event.ends_at.astimezone(event.zone))
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if event.organizer_email:
        vevent.add("organizer", _address(event.organizer_email, event.organizer_name))
    if event.attendee_email:
        vevent.add(
            "attendee",
            _address(
                event.attendee_email,
                event.attendee_name,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="ACCEPTED",
                RSVP="FALSE",
            ),
        )
    calendar.add_component(vevent)
    # The zone's rules around the event only: a VTIMEZONE from 1970 would list every change
    # of summer time since.
    calendar.add_missing_timezones(
        first_date=(event.starts_at - timedelta(days=366)).date(),
        last_date=(event.ends_at + timedelta(days=366)).date(),
    )
    return calendar.to_ical()
