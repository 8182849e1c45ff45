"""Mails leave through a real SMTP server (aiosmtpd on 127.0.0.1): every mail the spec declares,
to its recipients, with its attachment; nothing lost when the server is down or a worker dies;
test mode; timers. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.worker import Worker
from engine.delivery.mailer import SmtpTransport
from engine.delivery.recorder import OutcomeRecorder
from engine.process.actors import Actor
from engine.service.requests import RequestService
from engine.service.settings_store import set_value
from engine.store.models import OutboxMail, RequestRow

from .browser import first_link
from .conftest import Site
from .journey import ANSWERS, CODE, mails, requests
from .smtp import MailServer

MANAGERS = ["admin@hgi.example", "gestion@hgi.example"]
APPLICANT = "camille.martin@example.org"
INSTITUTION = "formation-elus@lyon.example"
OPERATOR = Actor.user("gestion@hgi.example", {"registration_manager"})


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


def worker(site: Site, smtp: MailServer) -> Worker:
    settings = site.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_timeout": 5.0}
    )
    site.runtime.settings = settings
    return Worker(site.runtime, site.engine, transport_factory=lambda: SmtpTransport(settings))


def submitted(site: Site, changes: dict[str, dict[str, Any]] | None = None) -> int:
    """A request sent through the service layer, with the journey's answers (fast: no HTTP)."""
    changes = changes or {}
    with site.db() as db:
        service = RequestService(db, site.runtime)
        compiled = site.runtime.registry.get("onboarding")
        row = service.new_draft(compiled, CODE).row
        for step in compiled.wizard.steps:
            inputs = {**ANSWERS[step.id], **changes.get(step.id, {})}
            inputs = {k: v for k, v in inputs.items() if not k.startswith("_")}
            if step.id == "session":
                inputs["session_code"] = CODE
            result = compiled.wizard.validate_step(
                step.id,
                inputs,
                row.answers,
                catalog=service.catalog(compiled),
                today=site.runtime.today(),
                extras=service.extras(row, compiled),
            )
            assert result.ok, result.errors
            service.save_answers(row, compiled, step.id, result.values, resume_at=None)
        db.commit()  # the draft as the wizard leaves it; submitting writes on its own
        service.submit(row, compiled)
        db.commit()
        return row.id


def fire(site: Site, request_id: int, transition: str, actor: Actor) -> None:
    with site.db() as db:
        service = RequestService(db, site.runtime)
        row = db.get(RequestRow, request_id)
        service.fire(row, service.compiled_for(row), transition, actor)
        db.commit()


def confirm(site: Site, request_id: int) -> None:
    fire(site, request_id, "confirm_email", Actor.via_link("confirm_email"))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_whole_process_delivers_every_declared_mail(site: Site, smtp: MailServer) -> None:
    request_id = submitted(
        site,
        {"dietary": {"dietary_constraints": "yes", "dietary_details": "Sans gluten, sans lactose"}},
    )
    run = worker(site, smtp)
    run.run_once()
    [confirmation] = smtp.received
    assert confirmation.recipients == [APPLICANT]
    assert confirmation.subject.startswith("Confirmez votre adresse électronique")
    link = first_link(confirmation.text, r"http://testserver/liens/confirm_email/\S+")
    browser = site.browser()
    browser.get(link.removeprefix("http://testserver"))
    browser.submit(nav=None)
    run.run_once()
    stage = {str(r.message["X-Onboarding-Template"]): r for r in smtp.received[1:]}
    assert set(stage) == {"session_details", "institution_validation"}
    assert stage["session_details"].recipients == [APPLICANT]
    assert CODE in stage["session_details"].text
    institution = stage["institution_validation"]
    assert str(institution.message["To"]) == INSTITUTION
    assert sorted(institution.recipients) == sorted([INSTITUTION, *MANAGERS])
    [(filename, data)] = institution.attachments()
    assert filename == f"bulletin-inscription-{CODE}-0001.pdf"
    text = pdf_text(data)
    assert "Camille" in text and "Martin" in text and CODE in text
    assert "Sans gluten, sans lactose" in text

    for transition in ("validate_institution", "validate_operator", "validate_applicant"):
        fire(site, request_id, transition, OPERATOR)
        run.run_once()
    later = [str(r.message["X-Onboarding-Template"]) for r in smtp.received[3:]]
    assert later == ["not_yet_validated", "account_created", "registration_confirmed"]
    assert all(r.recipients == [APPLICANT] for r in smtp.received[3:])
    account_mail = smtp.received[4]
    assert first_link(account_mail.text, r"http://testserver/liens/set_password/\S+")
    # Each mail once, each with its own Message-ID, every outbox row marked sent.
    ids = [r.message_id for r in smtp.received]
    assert len(ids) == len(set(ids)) == 6
    assert {m.status for m in mails(site)} == {"sent"}


def test_no_dietary_section_when_there_are_no_constraints(site: Site, smtp: MailServer) -> None:
    confirm(site, submitted(site))
    worker(site, smtp).run_once()
    [institution] = [r for r in smtp.received if INSTITUTION in r.recipients]
    text = pdf_text(institution.attachments()[0][1])
    assert "Camille" in text
    assert "Contraintes alimentaires" not in text


def test_nothing_is_lost_while_the_mail_server_is_down(site: Site, smtp: MailServer) -> None:
    smtp.stop()
    run = worker(site, smtp)
    for _ in range(25):
        request_id = submitted(site)
        confirm(site, request_id)
        fire(site, request_id, "validate_institution", OPERATOR)
        fire(site, request_id, "validate_operator", OPERATOR)
    # 25 requests x 4 transitions = 100 firings, 125 mails, none deliverable.
    queued = mails(site)
    assert len(queued) == 125
    outcome = run.run_once()
    assert outcome.sent == 0 and outcome.retried == 125
    assert {m.status for m in mails(site)} == {"queued"}
    assert all(m.attempts == 1 and m.last_error for m in mails(site))
    smtp.start()
    site.clock.advance(minutes=1)  # past the first retry delay
    outcome = run.run_once()
    assert outcome.sent == 125
    ids = [r.message_id for r in smtp.received]
    assert len(ids) == 125 and len(set(ids)) == 125
    assert sorted(ids) == sorted(m.message_id for m in queued)
    assert run.run_once().claimed == 0


def test_a_killed_workers_mails_are_delivered_after_its_lease(site: Site, smtp: MailServer) -> None:
    for _ in range(3):
        submitted(site)
    killed = worker(site, smtp)
    claimed = killed.outbox.claim(10)  # then the process dies before sending anything
    assert len(claimed) == 3
    other = worker(site, smtp)
    assert other.run_once().claimed == 0  # still leased to the dead worker
    site.clock.advance(seconds=site.settings.worker_lease_seconds + 1)
    assert other.run_once().sent == 3
    assert len(smtp.received) == 3


def test_a_mail_fails_for_good_after_the_last_attempt(site: Site, smtp: MailServer) -> None:
    smtp.stop()
    submitted(site)
    run = worker(site, smtp)
    for _ in range(site.runtime.settings.mail_max_attempts):
        run.run_once()
        site.clock.advance(hours=3)
    [mail] = mails(site)
    assert mail.status == "failed"
    assert mail.attempts == site.runtime.settings.mail_max_attempts
    assert run.run_once().claimed == 0


def test_test_mode_sends_everything_to_the_testers(site: Site, smtp: MailServer) -> None:
    with site.db() as db:
        set_value(db, site.runtime.registry.get("onboarding"), "test_mode", "true")
        db.commit()
    confirm(site, submitted(site))
    worker(site, smtp).run_once()
    assert len(smtp.received) == 3
    for received in smtp.received:
        assert received.recipients == ["test@hgi.example"]
        assert received.subject.startswith("[TEST] ")
        assert "Ce message aurait été envoyé à" in received.text
    institution = next(
        r for r in smtp.received if "institution" in str(r.message["X-Onboarding-Template"])
    )
    assert INSTITUTION in institution.text
    assert "admin@hgi.example" in institution.text
    assert all(m.redirected_to == ["test@hgi.example"] for m in mails(site))


def test_hostile_answers_cannot_touch_headers_or_markup(site: Site, smtp: MailServer) -> None:
    hostile = "Eve\r\nBcc: victim@evil.example\r\nX-Injected: 1"
    submitted(
        site,
        {
            "trainee": {
                "last_name": hostile,
                "first_name": "<b onmouseover=alert(1)>Mallory</b>",
            }
        },
    )
    worker(site, smtp).run_once()
    [received] = smtp.received
    assert received.recipients == [APPLICANT]
    assert received.message["Bcc"] is None and received.message["X-Injected"] is None
    assert "\n" not in received.subject and "\r" not in received.subject
    assert "<b onmouseover" not in received.html
    with site.db() as db:
        row = db.execute(select(RequestRow)).scalar_one()
        assert "\n" not in row.answers["last_name"]


def test_an_unconfirmed_request_expires_and_the_applicant_is_told(
    site: Site, smtp: MailServer
) -> None:
    submitted(site)
    run = worker(site, smtp)
    run.run_once()
    site.clock.advance(days=6)
    run.run_once()
    assert requests(site)[0].state == "awaiting_email_confirmation"
    site.clock.advance(days=2)
    run.run_once()
    assert requests(site)[0].state == "expired"
    assert smtp.templates() == ["confirm_email", "expired"]


def test_the_institution_is_reminded_once_per_stay(site: Site, smtp: MailServer) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    run = worker(site, smtp)
    run.run_once()
    first_form = next(r for r in smtp.received if INSTITUTION in r.recipients).attachments()
    site.clock.advance(days=11)
    run.run_once()
    run.run_once()
    reminders = [r for r in smtp.received if "reminder" in str(r.message["X-Onboarding-Template"])]
    assert len(reminders) == 1
    assert sorted(reminders[0].recipients) == sorted([INSTITUTION, *MANAGERS])
    # The very form the institution received first.
    assert reminders[0].attachments() == first_form
    assert requests(site)[0].state == "email_confirmed"


def test_each_outbox_row_keeps_the_message_id_it_was_given(site: Site, smtp: MailServer) -> None:
    submitted(site)
    with site.db() as db:
        [row] = db.execute(select(OutboxMail)).scalars()
        message_id = row.message_id
    worker(site, smtp).run_once()
    assert smtp.received[0].message_id == message_id


def test_two_workers_at_once_send_each_mail_once(site: Site, smtp: MailServer) -> None:
    for _ in range(30):
        submitted(site)
    settings = site.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "worker_batch": 5}
    )
    site.runtime.settings = settings
    workers = [
        Worker(site.runtime, site.engine, transport_factory=lambda: SmtpTransport(settings))
        for _ in range(2)
    ]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [r.message_id for r in smtp.received]
    assert len(ids) == len(set(ids)) == 30
    assert {m.status for m in mails(site)} == {"sent"}
    assert all(m.attempts == 1 for m in mails(site))


class Killed(BaseException):
    """The worker's process dying in the middle of a batch (not an error it could catch)."""


def test_a_batch_stopped_by_an_exception_resends_nothing_it_had_sent(
    site: Site, smtp: MailServer
) -> None:
    # The outcome still on its way when the send raised is written before the batch ends; a
    # process killed outright loses it (next test).
    for _ in range(5):
        submitted(site)
    settings = site.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    site.runtime.settings = settings

    class DiesOnThirdMail(SmtpTransport):
        sent = 0

        def send(self, envelope: Any) -> None:
            if DiesOnThirdMail.sent == 2:
                raise Killed
            super().send(envelope)
            DiesOnThirdMail.sent += 1

    dying = Worker(site.runtime, site.engine, transport_factory=lambda: DiesOnThirdMail(settings))
    with pytest.raises(Killed):
        dying.run_once()
    assert len(smtp.received) == 2
    assert sum(m.status == "sent" for m in mails(site)) == 2  # each committed as it went
    site.clock.advance(seconds=settings.worker_lease_seconds + 1)
    assert worker(site, smtp).run_once().sent == 3
    ids = [r.message_id for r in smtp.received]
    assert len(ids) == len(set(ids)) == 5
    assert sorted(ids) == sorted(m.message_id for m in mails(site))
    assert {m.status for m in mails(site)} == {"sent"}


def test_a_worker_killed_mid_batch_resends_at_most_the_mail_sent_before(
    site: Site, smtp: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst moment to die: the second mail's outcome still on its way to the database
    while the third mail is being sent. That outcome dies with the process."""
    for _ in range(5):
        submitted(site)
    settings = site.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    site.runtime.settings = settings
    died = threading.Event()

    class DiesOnThirdMail(SmtpTransport):
        sent = 0

        def send(self, envelope: Any) -> None:
            if DiesOnThirdMail.sent == 2:
                died.set()
                raise Killed
            super().send(envelope)
            DiesOnThirdMail.sent += 1

    write = OutcomeRecorder._write

    def lost_with_the_process(self: OutcomeRecorder, *args: Any) -> None:
        if DiesOnThirdMail.sent == 2:  # the second mail's outcome
            died.wait(timeout=10)
            return
        write(self, *args)

    monkeypatch.setattr(OutcomeRecorder, "_write", lost_with_the_process)
    dying = Worker(site.runtime, site.engine, transport_factory=lambda: DiesOnThirdMail(settings))
    with pytest.raises(Killed):
        dying.run_once()
    monkeypatch.undo()
    assert len(smtp.received) == 2
    assert sum(m.status == "sent" for m in mails(site)) == 1
    second = smtp.received[1].message_id
    site.clock.advance(seconds=settings.worker_lease_seconds + 1)
    assert worker(site, smtp).run_once().sent == 4
    ids = [r.message_id for r in smtp.received]
    assert len(ids) == 6
    assert [i for i in ids if ids.count(i) > 1] == [second, second]
    assert sorted(set(ids)) == sorted(m.message_id for m in mails(site))
    assert {m.status for m in mails(site)} == {"sent"}


def test_every_mail_but_the_last_is_recorded_before_the_next_is_sent(
    site: Site, smtp: MailServer
) -> None:
    """What bounds the mails a killed worker sends again: when a mail is handed to the server,
    every mail sent before it is recorded sent, but perhaps the one just before."""
    for _ in range(6):
        submitted(site)
    settings = site.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    site.runtime.settings = settings
    seen: list[tuple[int, int]] = []  # (mails sent before this one, of which recorded sent)

    class Watching(SmtpTransport):
        def send(self, envelope: Any) -> None:
            recorded = sum(m.status == "sent" for m in mails(site))
            seen.append((len(seen), recorded))
            super().send(envelope)

    outcome = Worker(
        site.runtime, site.engine, transport_factory=lambda: Watching(settings)
    ).run_once()
    assert outcome.sent == 6
    assert len(seen) == 6
    assert all(recorded >= before - 1 for before, recorded in seen), seen
    assert sum(m.status == "sent" for m in mails(site)) == 6
