"""Webhook events as the engine plans them (which firings send one, and what it says), and the
signature a receiver checks."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
import pytest

from engine.actions.effects import CallOut
from engine.compiled import CompiledWorkflow
from engine.delivery.webhooks import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    Event,
    WebhookPoster,
    event_body,
    signature,
    verify,
)
from engine.process.actors import Actor
from engine.samples import SpecCatalog

from .helpers import fill_wizard, snapshot

MANAGER = Actor.user("emma", {"registration_manager"})
RECEIVER = {"requests_webhook_url": "https://crm.example.org/hooks/onboarding"}


def _events(effects: tuple) -> list[CallOut]:
    return [e for e in effects if isinstance(e, CallOut) and e.kind == "webhook"]


def test_no_event_while_the_url_setting_is_empty(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog)
    fired = onboarding.process.fire(
        snapshot(onboarding, catalog, answers, "draft"), "submit", Actor.applicant()
    )
    assert fired.target == "awaiting_email_confirmation"
    assert _events(fired.effects) == []


def test_a_named_transition_sends_one_event_with_what_happened(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog)
    snap = snapshot(onboarding, catalog, answers, "email_confirmed", settings=RECEIVER, version=3)
    fired = onboarding.process.fire(snap, "validate_institution", MANAGER)
    [event] = _events(fired.effects)
    assert (event.operation, event.target) == ("event", "requests")
    assert dict(event.payload) == {
        "reference": "26C03S1-0042",
        "transition": "validate_institution",
        "from": "email_confirmed",
        "to": "institution_validated",
        "by": "user",
        "version": 4,
    }
    # Nothing personal travels in the event: the receiver reads the rest through the API.
    assert "elodie" not in str(event.payload).lower()


def test_entering_a_declared_state_sends_one_event_even_when_also_named(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog)
    snap = snapshot(onboarding, catalog, answers, "operator_validated", settings=RECEIVER)
    fired = onboarding.process.fire(snap, "validate_applicant", MANAGER)
    assert fired.target == "registered"
    assert [e.payload["to"] for e in _events(fired.effects)] == ["registered"]

    snap = snapshot(onboarding, catalog, answers, "email_confirmed", settings=RECEIVER)
    rejected = onboarding.process.fire(snap, "reject", MANAGER, comment="Dossier incomplet.")
    assert [e.payload["transition"] for e in _events(rejected.effects)] == ["reject"]


def test_a_transition_neither_named_nor_entering_a_declared_state_sends_nothing(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog)
    snap = snapshot(onboarding, catalog, answers, "institution_validated", settings=RECEIVER)
    fired = onboarding.process.fire(snap, "validate_operator", MANAGER)
    assert [e.payload["transition"] for e in _events(fired.effects)] == ["validate_operator"]
    reminder = onboarding.process.fire(
        snapshot(onboarding, catalog, answers, "email_confirmed", settings=RECEIVER),
        "remind_institution",
        Actor.timer(),
    )
    assert _events(reminder.effects) == []


SECRET = "whsec-4f1c2a"
BODY = b'{"id":"7","type":"request.transition"}'


def test_a_receiver_accepts_the_signature_and_refuses_forgeries() -> None:
    header = signature(SECRET, 1_780_000_000, BODY)
    assert verify(SECRET, header, BODY, now=1_780_000_010)
    assert not verify(SECRET, header, BODY.replace(b"7", b"8"), now=1_780_000_010)
    assert not verify("another-secret", header, BODY, now=1_780_000_010)
    assert not verify(SECRET, header, BODY, now=1_780_000_000 + 3600)  # replayed an hour later
    assert not verify(SECRET, "v1=abc", BODY, now=1_780_000_000)
    assert not verify(SECRET, "", BODY, now=1_780_000_000)
    # While a secret is being rotated, a header may carry a signature by each.
    rotated = signature("old-secret", 1_780_000_000, BODY) + "," + header.split(",")[1]
    assert verify(SECRET, rotated, BODY, now=1_780_000_000)


EVENT = Event(
    id="12",
    webhook="requests",
    workflow="onboarding",
    request_id=42,
    occurred_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
    facts={"reference": "26C03S1-0042", "transition": "submit", "from": "draft", "to": "x"},
)
NOW = datetime(2026, 12, 3, 9, 31, tzinfo=UTC)


def _poster(handler, secrets: dict[str, str] | None = None) -> WebhookPoster:
    return WebhookPoster(
        {"requests": SECRET} if secrets is None else secrets,
        timeout=5,
        clock=lambda: NOW,
        transport=httpx2.MockTransport(handler),
    )


def test_the_post_carries_the_body_its_signature_and_the_event_id() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(204)

    assert _poster(handler).post("https://crm.example.org/hook", EVENT).ok
    [request] = seen
    assert request.content == event_body(EVENT)
    assert request.headers[EVENT_HEADER] == "12"
    assert request.headers["content-type"] == "application/json"
    assert verify(SECRET, request.headers[SIGNATURE_HEADER], request.content, int(NOW.timestamp()))


@pytest.mark.parametrize(
    ("status", "temporary"), [(500, True), (503, True), (404, True), (301, True), (410, False)]
)
def test_a_refusal_is_retried_unless_the_receiver_is_gone(status: int, temporary: bool) -> None:
    outcome = _poster(lambda request: httpx2.Response(status)).post(
        "https://crm.example.org/hook?token=receiver-secret", EVENT
    )
    assert not outcome.ok
    assert outcome.temporary is temporary
    assert f"HTTP {status}" in (outcome.error or "")
    assert "receiver-secret" not in (outcome.error or "")


def test_an_unreachable_receiver_is_retried_and_a_missing_secret_is_not() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    down = _poster(refuse).post("https://crm.example.org/hook", EVENT)
    assert (down.ok, down.temporary) == (False, True)
    unsigned = _poster(lambda request: httpx2.Response(200), secrets={}).post(
        "https://crm.example.org/hook", EVENT
    )
    assert (unsigned.ok, unsigned.temporary) == (False, False)
    assert "ONBOARDING_WEBHOOK_SECRETS" in (unsigned.error or "")
