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
