"""Webhook events: the JSON body, its signature, and the POST to the receiver.

The signature follows the scheme most receivers already know (Stripe's, GitHub's): the header
`Onboarding-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed by the
webhook's secret. The timestamp inside the signed text lets a receiver refuse a replayed
event; `Onboarding-Event` carries the event's id, the same on every retry, so a receiver
that saw it already can ignore it (delivery is at least once)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx2
from sqlalchemy.orm import Session, sessionmaker

from ..spec.workflow import Webhook
from ..store.reads import overrides
from .calls import CallOutcome, CallToMake
from .outbox import Workflows

SIGNATURE_HEADER = "Onboarding-Signature"
EVENT_HEADER = "Onboarding-Event"
USER_AGENT = "onboarding-webhooks/1"
TOLERANCE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Event:
    """One event to deliver, as the call outbox holds it."""

    id: str
    webhook: str
    workflow: str
    request_id: int | None
    occurred_at: datetime
    facts: Mapping[str, Any]  # transition, from, to, by, version, reference


def event_body(event: Event) -> bytes:
    document = {
        "id": event.id,
        "type": "request.transition",
        "webhook": event.webhook,
        "workflow": event.workflow,
        "occurred_at": event.occurred_at.isoformat(),
        "request": {"id": event.request_id, "reference": event.facts.get("reference")},
        **{key: value for key, value in event.facts.items() if key != "reference"},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does: the header's timestamp is recent and one of its `v1` values is
    the HMAC of this body (several `v1` are allowed while a secret is being rotated)."""
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [value for key, _, value in parts if key.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).rpartition("v1=")[2]
    return any(
        key.strip() == "v1" and hmac.compare_digest(value.strip(), expected)
        for key, _, value in parts
    )


def _shown(url: str) -> str:
    """The URL as operators see it in errors: no query string nor credentials, where a
    receiver's own token may hide."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a POST went: `ok`, or why not and whether trying again later may help."""

    ok: bool
    error: str | None = None
    temporary: bool = True
    status: int | None = None


class WebhookPoster:
    """Posts events: one HTTP client per poster (connections kept between events), no
    redirects followed (a signed event goes where it was configured to go, or fails)."""

    def __init__(
        self,
        secrets: Mapping[str, str],
        timeout: float,
        clock: Callable[[], datetime],
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.secrets = secrets
        self.clock = clock
        self.client = httpx2.Client(
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    def post(self, url: str, event: Event) -> Delivery:
        secret = self.secrets.get(event.webhook)
        if not secret:
            return Delivery(
                False,
                f"no signing secret for webhook '{event.webhook}' "
                "(set it in ONBOARDING_WEBHOOK_SECRETS)",
                temporary=False,
            )
        body = event_body(event)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, int(self.clock().timestamp()), body),
            EVENT_HEADER: event.id,
        }
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx2.HTTPError as error:
            return Delivery(False, f"{_shown(url)}: {error.__class__.__name__}: {error}")
        status = response.status_code
        if 200 <= status < 300:
            return Delivery(True, status=status)
        # 410 Gone: the receiver says this endpoint is no more; anything else may be mended
        # on its side (a deployment, a 5xx, a wrong route) and is tried again with backoff.
        return Delivery(
            False, f"{_shown(url)} answered HTTP {status}", temporary=status != 410, status=status
        )

    def close(self) -> None:
        self.client.close()


class WebhookPerformer:
    """Makes the call outbox's `webhook` calls: finds the webhook in the current version of its
    workflow, its URL (written in the YAML, or the setting's value now, so a corrected address
    serves the retries), and posts the event."""

    def __init__(
        self, registry: Workflows, sessions: sessionmaker[Session], poster: WebhookPoster
    ) -> None:
        self.registry = registry
        self.sessions = sessions
        self.poster = poster

    def _hook(self, workflow_id: str, hook_id: str) -> Webhook | None:
        compiled = self.registry.get(workflow_id)
        if compiled is None:
            return None
        return next((h for h in compiled.spec.webhooks if h.id == hook_id), None)

    def failure_role(self, workflow_id: str, target: str) -> str | None:
        hook = self._hook(workflow_id, target)
        return hook.notify if hook is not None else None

    def _url(self, workflow_id: str, hook: Webhook) -> str:
        if hook.url is not None:
            return hook.url
        compiled = self.registry.get(workflow_id)
        if compiled is None or hook.url_setting is None:
            return ""
        with self.sessions() as db:
            values = compiled.settings_with(overrides(db, workflow_id))
        return str(values.get(hook.url_setting) or "").strip()

    def perform(self, call: CallToMake) -> CallOutcome:
        hook = self._hook(call.workflow_id, call.target)
        if hook is None:
            return CallOutcome(
                False,
                error=f"webhook '{call.target}' is no longer declared by '{call.workflow_id}'",
                temporary=False,
            )
        url = self._url(call.workflow_id, hook)
        if not url:
            return CallOutcome(
                False,
                error=f"webhook '{hook.id}': its address setting '{hook.url_setting}' is empty",
                temporary=False,
            )
        event = Event(
            id=str(call.id),
            webhook=hook.id,
            workflow=call.workflow_id,
            request_id=call.request_id,
            occurred_at=call.created_at or self.poster.clock(),
            facts=call.payload,
        )
        delivery = self.poster.post(url, event)
        result = {"status": delivery.status} if delivery.status is not None else None
        return CallOutcome(delivery.ok, result, delivery.error, delivery.temporary)
