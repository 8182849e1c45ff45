"""The onboarding workflow's `requests` webhook, delivered by the worker to a real HTTP receiver:
signed events in order, each once; retries while the receiver is down; nothing sent when the
firing rolls back; a receiver gone for good surfaces to the managers, whose delivery log can
send it again. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

import engine.service.requests as requests_service
from app.worker import Worker
from engine.delivery.webhooks import EVENT_HEADER, SIGNATURE_HEADER, verify
from engine.process.actors import Actor
from engine.service.settings_store import set_value
from engine.store.models import Notification, OutboxCall, RequestRow
from tests.webhooks.receiver import Receiver, running_receiver

from .backoffice import manager, staff_browser
from .conftest import Site
from .test_delivery import confirm, fire, submitted

SECRET = "whsec-test-5b2f0c9e"
OPERATOR = Actor.user("gestion@hgi.example", {"registration_manager"})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def hooked(site: Site, receiver: Receiver, secret: str | None = SECRET) -> Worker:
    """The worker of an installation whose `requests` webhook points at the receiver."""
    with site.db() as db:
        set_value(db, site.runtime.registry.get("onboarding"), "requests_webhook_url", receiver.url)
        db.commit()
    secrets = {"requests": SecretStr(secret)} if secret else {}
    site.runtime.settings = site.settings.model_copy(update={"webhook_secrets": secrets})
    return Worker(site.runtime, site.engine)


def events(receiver: Receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.received]


def deliveries(site: Site) -> list[OutboxCall]:
    with site.db() as db:
        return list(
            db.execute(
                select(OutboxCall).where(OutboxCall.kind == "webhook").order_by(OutboxCall.id)
            ).scalars()
        )


def test_each_milestone_reaches_the_receiver_once_signed_and_in_order(
    site: Site, receiver: Receiver
) -> None:
    run = hooked(site, receiver)
    request_id = submitted(site)
    confirm(site, request_id)
    for transition in ("validate_institution", "validate_operator", "validate_applicant"):
        fire(site, request_id, transition, OPERATOR)
    run.run_once()
    run.run_once()  # nothing left: each event is posted once

    got = events(receiver)
    assert [(e["transition"], e["to"]) for e in got] == [
        ("submit", "awaiting_email_confirmation"),
        ("confirm_email", "email_confirmed"),
        ("validate_institution", "institution_validated"),
        ("validate_operator", "operator_validated"),
        ("validate_applicant", "registered"),
    ]
    with site.db() as db:
        reference = db.get(RequestRow, request_id).reference
    assert {e["request"]["reference"] for e in got} == {reference}
    assert {e["request"]["id"] for e in got} == {request_id}
    assert len({e["id"] for e in got}) == 5
    for posted, event in zip(receiver.received, got, strict=True):
        assert posted.path == "/hooks/onboarding"
        assert posted.headers[EVENT_HEADER.lower()] == event["id"]
        now = int(site.clock.now().timestamp())
        signed = posted.headers[SIGNATURE_HEADER.lower()]
        assert verify(SECRET, signed, posted.body, now)
        assert not verify("another secret", signed, posted.body, now)
        # The applicant's answers stay home: the receiver reads them through the API.
        assert "camille" not in posted.body.decode().lower()
    assert {d.status for d in deliveries(site)} == {"done"}


def test_nothing_is_sent_while_the_address_setting_is_empty(site: Site, receiver: Receiver) -> None:
    submitted(site)
    Worker(site.runtime, site.engine).run_once()
    assert receiver.received == []
    assert deliveries(site) == []


def test_a_receiver_down_gets_the_event_later_once(site: Site, receiver: Receiver) -> None:
    run = hooked(site, receiver)
    receiver.answer = 503
    request_id = submitted(site)
    run.run_once()
    [first] = deliveries(site)
    assert (first.status, first.attempts) == ("queued", 1)
    assert "HTTP 503" in (first.last_error or "")
    confirm(site, request_id)  # a later event waits for the earlier one: order is kept
    run.run_once()
    assert len(receiver.received) == 1

    receiver.answer = 200
    site.clock.advance(minutes=5)
    run.run_once()
    run.run_once()
    assert [e["transition"] for e in events(receiver)] == ["submit", "submit", "confirm_email"]
    assert len({e["id"] for e in events(receiver)}) == 2  # the retry is the same event
    assert [(d.status, d.attempts) for d in deliveries(site)] == [("done", 2), ("done", 1)]


def test_no_event_when_the_firing_rolls_back(
    site: Site, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = hooked(site, receiver)
    request_id = submitted(site)
    run.run_once()
    assert len(receiver.received) == 1
    written = requests_service.write_effects

    def write_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        written(*args, **kwargs)
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(requests_service, "write_effects", write_then_fail)
    with pytest.raises(RuntimeError):
        confirm(site, request_id)
    monkeypatch.undo()
    run.run_once()
    assert len(receiver.received) == 1
    assert len(deliveries(site)) == 1
    with site.db() as db:
        assert db.get(RequestRow, request_id).state == "awaiting_email_confirmation"


def test_a_receiver_gone_tells_the_managers_and_the_log_sends_again(
    site: Site, receiver: Receiver
) -> None:
    run = hooked(site, receiver)
    receiver.answer = 410
    submitted(site)
    run.run_once()
    [failed] = deliveries(site)
    assert (failed.status, failed.attempts) == ("failed", 1)
    with site.db() as db:
        told = db.execute(
            select(Notification.role, Notification.message).where(
                Notification.dedupe_key.like("call:%")
            )
        ).all()
    assert [role for role, _ in told] == ["registration_manager"]
    assert "HTTP 410" in told[0][1]

    browser = manager(site)
    page = browser.get("/backoffice/onboarding/webhooks?etat=failed")
    assert page.status == 200
    [row] = page.soup.select("#deliveries tbody tr")
    assert "En échec" in row.get_text() and "HTTP 410" in row.get_text()
    assert "Webhooks" in [a.get_text(strip=True) for a in page.soup.select("nav a")]

    receiver.answer = 204
    [button] = row.select("form button")
    assert button.get_text(strip=True) == "Renvoyer"
    page = browser.post(str(row.select_one("form")["action"]), {"_csrf": browser.csrf()})
    assert page.status == 200 and "remis dans la file" in page.text
    run.run_once()
    assert [d.status for d in deliveries(site)] == ["done"]
    assert len(receiver.received) == 2
    page = browser.get("/backoffice/onboarding/webhooks")
    assert "Remis" in page.soup.select_one("#deliveries tbody tr").get_text()
    # A second press finds nothing failed to send again.
    again = browser.post(
        f"/backoffice/onboarding/webhooks/{failed.id}/renvoyer", {"_csrf": browser.csrf()}
    )
    assert again.status == 409


def test_a_missing_secret_fails_visibly_instead_of_posting_unsigned(
    site: Site, receiver: Receiver
) -> None:
    run = hooked(site, receiver, secret=None)
    submitted(site)
    run.run_once()
    [failed] = deliveries(site)
    assert failed.status == "failed"
    assert "ONBOARDING_WEBHOOK_SECRETS" in (failed.last_error or "")
    assert receiver.received == []


def test_the_log_is_for_staff_and_resending_for_managers(site: Site, receiver: Receiver) -> None:
    run = hooked(site, receiver)
    receiver.answer = 410
    submitted(site)
    run.run_once()
    [failed] = deliveries(site)
    outsider = site.browser().get("/backoffice/onboarding/webhooks")
    assert "Connexion" in outsider.title
    tester = staff_browser(site, "test@hgi.example", ["tester"])
    assert tester.get("/backoffice/onboarding/webhooks").status == 403
    page = manager(site).get("/backoffice/onboarding/webhooks")
    forged = manager(site)
    forged.get("/backoffice/onboarding/webhooks")
    refused = forged.post(
        f"/backoffice/onboarding/webhooks/{failed.id}/renvoyer", {"_csrf": "forged"}
    )
    assert refused.status == 400
    assert page.status == 200
    with site.db() as db:
        assert (
            db.execute(
                select(func.count()).select_from(OutboxCall).where(OutboxCall.status == "failed")
            ).scalar_one()
            == 1
        )
