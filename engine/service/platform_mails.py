"""The mail that tells an applicant their learning-platform account, sent once the account
exists: `lms_user: {mail: <template>}` plans the account's call with the template's name, and
when that call has succeeded, this step of the worker's rounds renders the template with
`platform_account` (the username the call found or made, whether the platform created the
account, where to set or reset the password) and queues it to the applicant.

A mail rendered when the transition fires could not say the username of an account found on
the platform (it is known only from the call's answer), so the mail waits for the call. It
never carries a password: when the platform creates the account it mails the generated password
itself, and this mail points to it and to the platform's page to reset it (decision 0009).

Each call gives at most one mail: its outbox row has the unique key `call:<id>:mail`, so two
workers, or a round repeated after a crash, queue it once."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..store.models import OutboxCall, OutboxMail, RequestRow
from .context import Runtime
from .effects import inline_css, queue_mail
from .requests import RequestService
from .transaction import writing

log = logging.getLogger("onboarding.service.platform_mails")

# Calls finished longer ago than this are not looked at again (their mail is long queued).
LOOKBACK = timedelta(days=7)
BATCH = 100


def mail_key(call_id: int) -> str:
    return f"call:{call_id}:mail"


def _waiting(db: Session, now: datetime) -> list[OutboxCall]:
    """Done account calls that name a mail not queued yet."""
    rows = db.execute(
        select(OutboxCall)
        .where(
            OutboxCall.kind == "lms",
            OutboxCall.operation == "ensure_user",
            OutboxCall.status == "done",
            OutboxCall.finished_at >= now - LOOKBACK,
        )
        .order_by(OutboxCall.id)
    ).scalars()
    wanted = [row for row in rows if (row.payload or {}).get("mail") and row.request_id]
    if not wanted:
        return []
    queued = set(
        db.execute(
            select(OutboxMail.dedupe_key).where(
                OutboxMail.dedupe_key.in_([mail_key(row.id) for row in wanted])
            )
        ).scalars()
    )
    return [row for row in wanted if mail_key(row.id) not in queued][:BATCH]


def mail_platform_accounts(runtime: Runtime, sessions: sessionmaker[Session]) -> int:
    """Queues the account mail of every done `lms_user` call that asks for one; the number
    queued. Rendering happens before the short write transaction of each mail."""
    now = runtime.now()
    queued = 0
    with sessions() as db:
        for call in _waiting(db, now):
            request = db.get(RequestRow, call.request_id)
            compiled = runtime.registry.get(call.workflow_id)
            template = str((call.payload or {}).get("mail"))
            if request is None or compiled is None:
                continue
            service = RequestService(db, runtime)
            snapshot = service.snapshot(request, compiled)
            context = compiled.template_context(snapshot, platform_account=call.result or {})
            try:
                rendered = compiled.render_mail(template, context)
            except TemplateError:
                # The checker reads every template: only a template changed under a running
                # worker gets here; the call stays done and its mail is tried next round.
                log.exception("call %s: the mail %s could not be rendered", call.id, template)
                continue
            to = [request.applicant_email] if request.applicant_email else []
            try:
                with writing(db):
                    queue_mail(
                        db,
                        workflow_id=call.workflow_id,
                        request=request,
                        dedupe_key=mail_key(call.id),
                        template=template,
                        rendered=replace(rendered, html=inline_css(rendered.html)),
                        to=to,
                        cc=[],
                        attachments=[],
                        mail_domain=runtime.settings.mail_domain,
                        now=now,
                        inlined=True,
                    )
            except IntegrityError:
                continue  # another worker queued it
            queued += 1
    return queued
