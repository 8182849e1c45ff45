"""The bytes the SMTP transport sends are those `emails` writes for the same message, but for
the MIME boundaries; each boundary is new, and a sender name or subject met again is folded
the same way."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from engine.delivery.mailer import Envelope, Redirection, build_message, message_bytes
from engine.store.models import DocumentRow, OutboxMail

SUBJECT = "Votre demande d'inscription à la session 26C03S1 est enregistrée — suite"
SENDER = ("HGI — Formation et information des élus", "formation@hgi.example")
BOUNDARY = re.compile(rb'boundary="([^"]+)"')


def row(**changes: object) -> OutboxMail:
    values: dict[str, object] = {
        "id": 1,
        "message_id": "<m1@hgi.example>",
        "template": "session_details",
        "to": ["camille.martin@example.org"],
        "cc": ["gestion@hgi.example"],
        "subject": SUBJECT,
        "text": "Bonjour Camille,\n\nVotre inscription est enregistrée.\n",
        "html": "<html><body><p>Bonjour Camille,</p><p>Enregistrée.</p></body></html>",
        "attachments": [],
        "attempts": 0,
    }
    values.update(changes)
    return OutboxMail(**values)


def without_variable_parts(data: bytes) -> bytes:
    """Boundaries replaced by their order of appearance, the Date header dropped."""
    names: dict[bytes, bytes] = {}
    for found in BOUNDARY.finditer(data):
        names.setdefault(found.group(1), b"BOUNDARY-%d" % len(names))
    for boundary, name in names.items():
        data = data.replace(boundary, name)
    return re.sub(rb"\r\nDate: [^\r]*", b"", data)


def test_the_bytes_sent_are_emails_own_but_for_the_boundaries() -> None:
    document = DocumentRow(
        id=7, filename="bulletin.pdf", content=b"%PDF-1.4 fake", content_type="application/pdf"
    )
    for envelope in (
        Envelope(row(), SENDER),
        Envelope(row(attachments=[7]), SENDER, [document]),
        Envelope(row(), SENDER, redirection=Redirection(["test@hgi.example"])),
    ):
        message = build_message(envelope)
        sent = message_bytes(message)
        assert without_variable_parts(sent) == without_variable_parts(message.as_bytes())
        parsed = message_from_bytes(sent, policy=policy.default)
        assert str(parsed["Subject"]).removeprefix("[TEST] ") == SUBJECT
        assert parsed["From"].addresses[0].display_name == SENDER[0]
        assert "Camille" in parsed.get_body(preferencelist=("plain",)).get_content()


def test_each_part_has_a_new_boundary() -> None:
    seen: list[bytes] = []
    for _ in range(3):
        sent = message_bytes(build_message(Envelope(row(), SENDER)))
        boundaries = BOUNDARY.findall(sent)
        assert len(boundaries) == 3  # mixed, related, alternative
        for boundary in boundaries:
            assert sent.count(b"--" + boundary + b"--") == 1  # each part closed once
        seen.extend(boundaries)
    assert len(set(seen)) == len(seen)


def test_a_header_met_again_is_folded_the_same_way() -> None:
    first, second = (
        message_from_bytes(message_bytes(build_message(Envelope(row(), SENDER)))) for _ in range(2)
    )
    assert first["Subject"] == second["Subject"]
    assert first["From"] == second["From"]
    assert "=?utf-8?" in str(first["Subject"])  # encoded words, not raw 8-bit
