"""Registration after closing, granted by an operator.

A session stops taking registrations at its closing moment or when an operator closes it; an
operator can still let someone in. Rather than a second, backoffice-only form that would have
to repeat every rule of the wizard (the fields, their checks, the catalog, the seats), the
operator is given a signed link to the session's wizard that admits its holder although the
session is closed: the applicant fills the same wizard (or the operator does, on their behalf),
a draft stuck at the closing resumes where it was, and the seats are counted by the process as
for everyone. The link is bound to one workflow and one session and valid until a moment the
operator chooses; it names who gave it, and the submission's history says so."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..translations import translate
from .links import LinkError, LinkProblem, LinkSigner

PURPOSE = "late-registration"
DEFAULT_LIFETIME = timedelta(days=7)
# Long enough for a trainee who turns up on the day and is registered afterwards; short enough
# that a forwarded link does not keep a session open for good.
MAX_LIFETIME = timedelta(days=90)


@dataclass(frozen=True)
class LatePass:
    workflow_id: str
    code: str
    until: datetime
    issuer: str

    def history_comment(self, locale: str) -> str:
        """Written in the history in the workflow's language, like the rest of its texts."""
        return translate(
            locale, "Late registration, through a link given by {issuer}.", issuer=self.issuer
        )


class LateLinkTooLong(ValueError):
    """The chosen end of validity is in the past or beyond MAX_LIFETIME."""


def grant(
    signer: LinkSigner, workflow_id: str, code: str, until: datetime, issuer: str, now: datetime
) -> str:
    """The token of a link admitting its holder to the session until `until`."""
    if until <= now or until - now > MAX_LIFETIME:
        raise LateLinkTooLong(until.isoformat())
    subject = json.dumps([workflow_id, code, int(until.timestamp()), issuer[:200]])
    return signer.sign(PURPOSE, subject)


def read_pass(
    signer: LinkSigner, token: str, workflow_id: str, code: str, now: datetime
) -> LatePass:
    """The pass a token carries, for this workflow and session; LinkError when it is not
    genuine, made for another session, or past its end."""
    subject = signer.read(PURPOSE, token, None)
    try:
        wf, session_code, until, issuer = json.loads(subject)
        moment = datetime.fromtimestamp(int(until), UTC)
    except (ValueError, TypeError, OverflowError):
        raise LinkError(LinkProblem.INVALID) from None
    if (wf, session_code) != (workflow_id, code) or not isinstance(issuer, str):
        raise LinkError(LinkProblem.INVALID)
    if moment <= now:
        raise LinkError(LinkProblem.EXPIRED)
    return LatePass(workflow_id, code, moment, issuer)
