"""The convocation a week before the session with its calendar file, the reminder the day
before, and the update sent to every seat holder when an operator changes the session's dates
or place. Each mail is delivered by the worker to a real SMTP server, and its .ics is read back
with icalendar: the event's times in Europe/Paris, its place and title, a UID that stays the
same across updates and a SEQUENCE that grows. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from engine.service.session_changes import fire_session_changes
from engine.store.db import make_session_factory
from engine.store.models import RequestRow, SessionChangeNotice, TrainingSession

from .backoffice import manager
from .conftest import Site
from .journey import CODE, mails
from .smtp import MailServer, Received
from .test_backoffice_reference import preview, submit_to
from .test_delivery import OPERATOR, confirm, fire, smtp, submitted, worker
from .test_waiting_list import timer_round

__all__ = ["smtp"]  # the fixture, used by name

PARIS = ZoneInfo("Europe/Paris")
# The demo session: 2 October 2026, 11:00 to 12:15 in Paris (09:00 to 10:15 UTC).
WEEK_BEFORE = datetime(2026, 9, 25, 9, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
CALENDAR_TYPE = "text/calendar; method=REQUEST; charset=UTF-8"
LEA = {
    "trainee": {
        "first_name": "Léa",
        "last_name": "Roux",
        "email": "lea.roux@example.org",
        "email__confirm": "lea.roux@example.org",
    }
}
CAMILLE = "camille.martin@example.org"


def session_row(site: Site) -> TrainingSession:
    with site.db() as db:
        return db.execute(select(TrainingSession).where(TrainingSession.code == CODE)).scalar_one()


def public_id(site: Site, request_id: int) -> str:
    with site.db() as db:
        return db.get(RequestRow, request_id).public_id


def calendar_of(received: Received) -> tuple[icalendar.Calendar, str]:
    """The mail's .ics, parsed, and its part's Content-Type."""
    parts = received.message.iter_attachments()
    [part] = [p for p in parts if p.get_filename() == "convocation.ics"]
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    return calendar, str(part["Content-Type"])


def event_of(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


def change_session(site: Site, **typed: str) -> str:
    """An operator changes the session on its page; returns the page's text then."""
    browser = manager(site)
    browser.get(f"/backoffice/onboarding/sessions/{CODE}/modifier")
    page = submit_to(browser, f"{CODE}/modifier", typed)
    assert "Modifications enregistrées." in page.text
    return " ".join(page.text.split())


def sent(smtp: MailServer, template: str) -> list[Received]:
    return [r for r in smtp.received if r.message["X-Onboarding-Template"] == template]


def test_the_convocation_goes_once_a_week_before_with_the_session_in_a_calendar(
    site: Site, smtp: MailServer
) -> None:
    camille = submitted(site)
    confirm(site, camille)
    lea = submitted(site, LEA)  # her address is never confirmed: no seat, no convocation
    work = worker(site, smtp)
    site.clock.moment = WEEK_BEFORE.replace(hour=8)  # an hour early
    work.run_once()
    assert mails(site, "convocation") == []
    site.clock.moment = WEEK_BEFORE
    work.run_once()
    [convocation] = sent(smtp, "convocation")
    assert convocation.recipients == [CAMILLE]
    assert str(convocation.subject).startswith(f"Convocation : session {CODE}, ")
    assert "Informations pratiques" in convocation.text
    assert "pièce d'identité" in convocation.text
    calendar, content_type = calendar_of(convocation)
    assert content_type.replace('"', "").startswith(CALENDAR_TYPE)
    assert str(calendar["METHOD"]) == "REQUEST"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    event = event_of(calendar)
    session = session_row(site)
    assert event.decoded("DTSTART") == datetime(2026, 10, 2, 11, 0, tzinfo=PARIS)
    assert event.decoded("DTSTART").tzinfo.key == "Europe/Paris"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTEND") == datetime(2026, 10, 2, 12, 15, tzinfo=PARIS)
    assert str(event["SUMMARY"]) == session.title
    assert str(event["LOCATION"]) == session.place
    assert str(event["UID"]) == f"{public_id(site, camille)}-{CODE}@testserver"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == "mailto:formation@hgi.example"
    assert str(event["ATTENDEE"]) == f"mailto:{CAMILLE}"
    # Once per request: later rounds, and a change of state, send nothing more.
    fire(site, camille, "validate_institution", OPERATOR)
    site.clock.advance(hours=1)
    work.run_once()
    assert [m.request_id for m in mails(site, "convocation")] == [camille]
    assert lea != camille


def test_the_reminder_goes_the_day_before(site: Site) -> None:
    camille = submitted(site)
    confirm(site, camille)
    site.clock.moment = WEEK_BEFORE
    timer_round(site)
    assert mails(site, "session_reminder") == []
    site.clock.moment = DAY_BEFORE.replace(hour=8)
    timer_round(site)
    assert mails(site, "session_reminder") == []
    site.clock.moment = DAY_BEFORE
    timer_round(site)
    [reminder] = mails(site, "session_reminder")
    assert reminder.subject == f"Rappel : votre session {CODE} commence demain"
    assert reminder.request_id == camille
    timer_round(site)
    assert len(mails(site, "session_reminder")) == 1


def test_a_changed_session_sends_its_seat_holders_the_updated_calendar(
    site: Site, smtp: MailServer
) -> None:
    camille = submitted(site)
    confirm(site, camille)
    submitted(site, LEA)  # no seat: never told
    work = worker(site, smtp)
    site.clock.moment = WEEK_BEFORE
    work.run_once()
    [convocation] = sent(smtp, "convocation")
    first = event_of(calendar_of(convocation)[0])

    site.clock.advance(hours=1)
    message = change_session(
        site, starts_at="03/10/2026 14:00", ends_at="03/10/2026 17:30", place="Salle Saône"
    )
    assert "La personne inscrite en sera informée par courriel." in message
    assert session_row(site).revision == 1
    work.run_once()
    [update] = sent(smtp, "session_changed")
    assert update.subject == f"Changement : votre session {CODE} a été modifiée"
    assert "Salle Saône" in update.text
    assert "samedi 3 octobre 2026, 14:00" in update.text
    calendar, content_type = calendar_of(update)
    assert content_type.replace('"', "").startswith(CALENDAR_TYPE)
    event = event_of(calendar)
    assert str(event["UID"]) == str(first["UID"])
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert event.decoded("DTSTART") == datetime(2026, 10, 3, 14, 0, tzinfo=PARIS)
    assert event.decoded("DTEND") == datetime(2026, 10, 3, 17, 30, tzinfo=PARIS)
    assert str(event["LOCATION"]) == "Salle Saône"
    # Told once: nobody else (Léa holds no seat), nothing more on the next rounds.
    work.run_once()
    assert [m.request_id for m in mails(site, "session_changed")] == [camille]
    assert [r.recipients for r in sent(smtp, "session_changed")] == [[CAMILLE]]

    # A change of title alone is not a change of date or place: nobody is told.
    message = change_session(site, title="Un autre intitulé")
    assert "informée" not in message
    assert session_row(site).revision == 1
    work.run_once()
    assert len(mails(site, "session_changed")) == 1

    # A second move: a second update, with the next SEQUENCE.
    change_session(site, starts_at="05/10/2026 09:00", ends_at="05/10/2026 12:00")
    work.run_once()
    updates = sent(smtp, "session_changed")
    assert len(updates) == 2
    last = event_of(calendar_of(updates[-1])[0])
    assert str(last["UID"]) == str(first["UID"])
    assert int(last["SEQUENCE"]) == int(event["SEQUENCE"]) + 1
    assert last.decoded("DTSTART") == datetime(2026, 10, 5, 9, 0, tzinfo=PARIS)


def test_a_request_that_lost_its_seat_before_the_round_is_not_told(site: Site) -> None:
    camille = submitted(site)
    confirm(site, camille)
    change_session(site, place="Salle Saône")
    with site.db() as db:
        [notice] = db.execute(select(SessionChangeNotice)).scalars().all()
        assert notice.request_id == camille
    fire(site, camille, "cancel_by_operator", OPERATOR)
    work_round(site)
    assert mails(site, "session_changed") == []
    with site.db() as db:
        assert db.execute(select(SessionChangeNotice)).scalar_one().done_at is not None


def work_round(site: Site) -> int:
    return fire_session_changes(site.runtime, make_session_factory(site.engine), site.clock.now)


def test_a_session_moved_by_a_csv_import_tells_its_seat_holders(
    site: Site, smtp: MailServer
) -> None:
    """An import goes through the same change as the session's page: nobody misses a move."""
    camille = submitted(site)
    confirm(site, camille)
    browser = manager(site)
    base = "/backoffice/onboarding/sessions"
    export = browser.client.get(f"{base}/export.csv").content.decode("utf-8")
    [line] = [row for row in export.splitlines() if row.startswith(f"{CODE};")]
    moved = line.replace("02/10/2026 11:00", "09/10/2026 11:00").replace(
        "02/10/2026 12:15", "09/10/2026 12:15"
    )
    assert moved != line
    header = export.splitlines()[0].lstrip("\ufeff")
    preview(browser, f"{base}/import", f"{header}\n{moved}\n")
    page = submit_to(browser, f"{base}/import", nav="tout")
    text = " ".join(page.text.split())
    assert "0 session(s) créée(s), 1 mise(s) à jour" in text
    assert "La personne inscrite en sera informée par courriel." in text
    assert session_row(site).revision == 1
    worker(site, smtp).run_once()
    [update] = sent(smtp, "session_changed")
    assert update.recipients == [CAMILLE]
    assert "vendredi 9 octobre 2026, 11:00" in update.text
    # The same file again changes nothing: nobody is told twice.
    preview(browser, f"{base}/import", f"{header}\n{moved}\n")
    page = submit_to(browser, f"{base}/import", nav="tout")
    assert "informée" not in page.text
    assert session_row(site).revision == 1
