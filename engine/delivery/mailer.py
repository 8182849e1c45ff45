"""Turning an outbox row into a mail and handing it over: to an SMTP server with the `emails`
package, or to the local mail sink (a folder of .eml files) when no server is configured."""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
from dataclasses import dataclass, field
from email.policy import Compat32
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from markupsafe import escape

from ..config import AppSettings
from ..store.models import DocumentRow, OutboxMail

if TYPE_CHECKING:
    import emails


class DeliveryError(Exception):
    """The server refused the mail or could not be reached; the worker retries later."""


@dataclass(frozen=True, slots=True)
class Redirection:
    """Test mode: the mail goes to `testers` and says who it would have gone to."""

    testers: list[str]


@dataclass
class Envelope:
    row: OutboxMail
    mail_from: tuple[str, str]
    documents: list[DocumentRow] = field(default_factory=list)
    redirection: Redirection | None = None

    @property
    def to(self) -> list[str]:
        return self.redirection.testers if self.redirection else list(self.row.to)

    @property
    def cc(self) -> list[str]:
        return [] if self.redirection else list(self.row.cc)


_NOTICE_TEXT = "[Mode test] Ce message aurait été envoyé à : {to}{cc}\n\n"
_NOTICE_HTML = (
    '<div style="margin:0 0 16px;padding:10px 14px;border:2px dashed #b45309;'
    'background:#fffbeb;color:#78350f;font-family:Arial,sans-serif;font-size:14px">'
    "<strong>Mode test</strong> — ce message aurait été envoyé à : {to}{cc}</div>"
)


def _notice(row: OutboxMail, html: bool) -> str:
    to = ", ".join(row.to) or "(personne)"
    cc = f" (copie : {', '.join(row.cc)})" if row.cc else ""
    if html:
        return _NOTICE_HTML.format(to=escape(to), cc=escape(cc))
    return _NOTICE_TEXT.format(to=to, cc=cc)


_BODY_OPEN = re.compile(r"<body[^>]*>", re.IGNORECASE)


def _with_html_notice(html: str, notice: str) -> str:
    match = _BODY_OPEN.search(html)
    if match is None:
        return notice + html
    return html[: match.end()] + notice + html[match.end() :]


def build_message(envelope: Envelope) -> emails.Message:
    # Imported with the first mail, not with the worker: `emails` takes a tenth of a second
    # to import, which every start of the server would pay.
    import emails

    row = envelope.row
    text, html, subject = row.text, row.html, row.subject
    if envelope.redirection is not None:
        text = _notice(row, html=False) + text
        html = _with_html_notice(html, _notice(row, html=True))
        subject = f"[TEST] {subject}"
    message = emails.Message(
        subject=subject,
        mail_from=envelope.mail_from,
        mail_to=envelope.to,
        cc=envelope.cc or None,
        text=text,
        html=html,
        message_id=row.message_id,
        headers={"X-Onboarding-Template": row.template},
    )
    for document in envelope.documents:
        message.attach(
            data=document.content,
            filename=document.filename,
            content_disposition="attachment",
            mime_type=document.content_type or "application/pdf",
        )
    return message


def _boundary() -> str:
    """A multipart boundary nobody can guess. The standard library's generator draws a weaker
    one and then searches the message for it with a regular expression compiled anew for each
    boundary: a third of the time spent building a mail. 136 random bits drawn when the mail
    is sent cannot occur in an applicant's answers, so no search is needed. As long as the
    standard library's (36 characters), so the headers fold as they did."""
    return f"=_{secrets.token_hex(17)}"


# Headers whose values come back from mail to mail: the sender, a template's subject, the
# parts' fixed headers. Never the recipients, nor what is unique to one mail.
_RECURRING = frozenset(
    {"subject", "from", "mime-version", "content-transfer-encoding", "x-onboarding-template"}
)


@functools.lru_cache(maxsize=256)
def _folded(policy: Compat32, name: str, value: str) -> bytes:
    return Compat32.fold_binary(policy, name, value)


class _FoldOnce(Compat32):
    """The `compat32` policy `emails` writes with, remembering how it folded the headers that
    recur: folding a non-ASCII subject or sender name into encoded words costs a tenth of a
    millisecond each time, for the same bytes. Equal policies (same line ends and length)
    share their entries."""

    def fold_binary(self, name: str, value: object) -> bytes:
        if isinstance(value, str) and name.lower() in _RECURRING:
            return _folded(self, name, value)
        return super().fold_binary(name, value)

    def __hash__(self) -> int:
        return hash((self.linesep, self.max_line_length, self.cte_type))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)


_FOLD_ONCE = _FoldOnce()


def message_bytes(message: emails.Message) -> bytes:
    """The bytes `emails` sends (its MIME tree, CRLF line ends; no DKIM signer is used), with
    boundaries chosen by `_boundary` and recurring headers folded once (`_FoldOnce`)."""
    tree = message.build_message()
    tree.policy = _FOLD_ONCE
    for part in tree.walk():
        if part.is_multipart():
            part.set_boundary(_boundary())
    return tree.as_bytes(linesep="\r\n")


@dataclass(frozen=True, slots=True)
class _Serialised:
    """What `SMTPBackend.sendmail` takes as the message: an object with `as_bytes`."""

    data: bytes

    def as_bytes(self) -> bytes:
        return self.data


class Transport(Protocol):
    def send(self, envelope: Envelope) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One connection reused for a batch of mails."""

    def __init__(self, settings: AppSettings) -> None:
        from emails.backend.smtp import SMTPBackend  # see build_message

        options: dict[str, Any] = {
            "host": settings.smtp_host,
            "port": settings.smtp_port,
            "timeout": settings.smtp_timeout,
            "fail_silently": True,
        }
        if settings.smtp_security == "tls":
            options["ssl"] = True
        elif settings.smtp_security == "starttls":
            options["tls"] = True
        if settings.smtp_user:
            options["user"] = settings.smtp_user
            options["password"] = settings.smtp_password.get_secret_value()
        self.backend = SMTPBackend(**options)

    def send(self, envelope: Envelope) -> None:
        message = build_message(envelope)
        response = self.backend.sendmail(
            from_addr=envelope.mail_from[1],
            to_addrs=message.get_recipients_emails(),
            msg=_Serialised(message_bytes(message)),
        )
        if response is None or not response.success:
            error = getattr(response, "error", None)
            status = getattr(response, "status_code", None)
            text = getattr(response, "status_text", b"") or b""
            detail = error or f"{status} {text.decode('utf-8', 'replace')}".strip()
            raise DeliveryError(f"SMTP: {detail or 'no answer'}")

    def close(self) -> None:
        # Closing a broken connection must not hide how the batch went.
        with contextlib.suppress(Exception):
            self.backend.close()


class SinkTransport:
    """The embedded default: each mail is written as an .eml file in the mail sink folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, envelope: Envelope) -> None:
        name = re.sub(r"[^A-Za-z0-9@._-]", "_", envelope.row.message_id.strip("<>"))
        (self.folder / f"{name}.eml").write_bytes(build_message(envelope).as_string().encode())

    def close(self) -> None:
        return None


def make_transport(settings: AppSettings) -> Transport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return SinkTransport(settings.mail_sink)
