"""The mail boxes the load test's SMTP sink fills (`smtp_sink.py`), as the applicants and the
run read them: a folder per recipient, one `.eml` file per mail, in the order received."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

UNSAFE = re.compile(r"[^a-z0-9@._+-]")


def box_of(boxes: Path, address: str) -> Path:
    """The folder of one recipient: the address itself, lower-cased, with any character a
    file name should not hold replaced."""
    return boxes / UNSAFE.sub("_", address.lower())


@dataclass(frozen=True)
class Mail:
    template: str
    subject: str
    text: str


def read_mail(path: Path) -> Mail:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    return Mail(
        template=str(message["X-Onboarding-Template"] or ""),
        subject=str(message["Subject"] or ""),
        text=body.get_content() if body is not None else "",
    )


class Inbox:
    """What one person finds in their mail box."""

    def __init__(self, folder: Path, address: str) -> None:
        self.box = box_of(folder / "boxes", address)

    def mails(self, template: str) -> list[Mail]:
        if not self.box.is_dir():
            return []
        found = (read_mail(path) for path in sorted(self.box.glob("*.eml")))
        return [mail for mail in found if mail.template == template]


def journal(folder: Path) -> list[dict[str, object]]:
    """Every mail the sink accepted, in order: Message-ID, template, recipients."""
    path = folder / "received.jsonl"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
