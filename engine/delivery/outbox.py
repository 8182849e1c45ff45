"""The outbox worker's claim and delivery: rows due are leased (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so any number of workers share the work), sent one by one, and marked
sent, or retried later with growing delays, or failed after the last attempt. A killed worker's
leased rows come back when the lease ends."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ..config import AppSettings
from ..service.effects import role_members
from ..service.settings_store import overrides
from ..service.transaction import writing
from ..service.workflows import WorkflowRegistry
from ..store.models import DocumentRow, OutboxMail
from .mailer import DeliveryError, Envelope, Redirection, Transport

log = logging.getLogger("onboarding.delivery")

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=2)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min... up to 2 h between attempts."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


class OutboxWorker:
    def __init__(
        self,
        settings: AppSettings,
        registry: WorkflowRegistry,
        sessions: sessionmaker[Session],
        write_sessions: sessionmaker[Session],
        transport_factory: Callable[[], Transport],
        now: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.sessions = sessions
        self.write_sessions = write_sessions
        self.transport_factory = transport_factory
        self.now = now
        self.name = f"worker-{uuid.uuid4().hex[:8]}"

    # -- claiming -----------------------------------------------------------------------------

    def claim(self, limit: int) -> list[int]:
        """Leases up to `limit` due rows to this worker and returns their ids."""
        now = self.now()
        with self.write_sessions() as db:
            query = (
                select(OutboxMail.id)
                .where(
                    OutboxMail.status == "queued",
                    OutboxMail.next_attempt_at <= now,
                    or_(OutboxMail.lease_until.is_(None), OutboxMail.lease_until < now),
                )
                .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = list(db.execute(query).scalars())
            if ids:
                lease = now + timedelta(seconds=self.settings.worker_lease_seconds)
                for row in db.execute(select(OutboxMail).where(OutboxMail.id.in_(ids))).scalars():
                    row.lease_until = lease
            db.commit()
        return ids

    # -- delivering ---------------------------------------------------------------------------

    def run_batch(self) -> BatchResult:
        ids = self.claim(self.settings.worker_batch)
        result = BatchResult(claimed=len(ids))
        self._redirections: dict[str, Redirection | None] = {}  # test mode, read once a batch
        if not ids:
            return result
        transport = self.transport_factory()
        try:
            for row_id in ids:
                outcome = self.deliver(row_id, transport)
                setattr(result, outcome, getattr(result, outcome) + 1)
        finally:
            transport.close()
        return result

    def deliver(self, row_id: int, transport: Transport) -> str:
        """Sends one leased mail. The SMTP conversation runs with no transaction open (on
        SQLite a write transaction would hold every web process's writes meanwhile); the
        outcome is then written in a short transaction of its own."""
        with self.sessions() as db:
            row = db.get(OutboxMail, row_id)
            if row is None or row.status != "queued":
                return "sent" if row is not None and row.status == "sent" else "failed"
            envelope = self.envelope(db, row)
            db.commit()  # ends the read; the row and its documents stay loaded
            error: str | None = None
            try:
                if not envelope.to:
                    raise DeliveryError("no recipient (test mode is on and no user is a tester)")
                transport.send(envelope)
            except (DeliveryError, OSError) as failure:
                error = str(failure) or failure.__class__.__name__
            with writing(db):
                if error is not None:
                    return self._failed(row, error)
                row.status = "sent"
                row.sent_at = self.now()
                row.lease_until = None
                row.attempts += 1
                row.last_error = None
                if envelope.redirection is not None:
                    row.redirected_to = envelope.redirection.testers
            return "sent"

    def _failed(self, row: OutboxMail, error: str) -> str:
        row.attempts += 1
        row.last_error = error[:2000]
        row.lease_until = None
        if row.attempts >= self.settings.mail_max_attempts:
            row.status = "failed"
            # The server's answer may quote the recipient's address: it stays on the mail's
            # row (shown in the backoffice), out of the logs.
            log.warning("mail %s failed after %d attempts", row.id, row.attempts)
            return "failed"
        row.next_attempt_at = self.now() + retry_delay(row.attempts)
        return "retried"

    def envelope(self, db: Session, row: OutboxMail) -> Envelope:
        compiled = self.registry.get(row.workflow_id or "")
        organisation = compiled.spec.organisation if compiled is not None else {}
        sender = (
            self.settings.mail_from
            or organisation.get("email")
            or (f"noreply@{self.settings.mail_domain}")
        )
        mail_from = (organisation.get("full_name") or organisation.get("name") or "", sender)
        documents = []
        if row.attachments:
            found = db.execute(select(DocumentRow).where(DocumentRow.id.in_(row.attachments)))
            by_id = {d.id: d for d in found.scalars()}
            documents = [by_id[i] for i in row.attachments if i in by_id]
        key = row.workflow_id or ""
        cache = getattr(self, "_redirections", {})
        if key not in cache:
            cache[key] = self._redirection(db, compiled)
        return Envelope(row, mail_from, documents, cache[key])

    def _redirection(self, db: Session, compiled: object) -> Redirection | None:
        from ..compiled import CompiledWorkflow

        if not isinstance(compiled, CompiledWorkflow):
            return None
        delivery = compiled.spec.delivery
        if delivery.test_mode_setting is None:
            return None
        settings = compiled.settings_with(overrides(db, compiled.spec.id))
        if not settings.get(delivery.test_mode_setting):
            return None
        role = delivery.test_recipients_role
        return Redirection(role_members(db, role) if role else [])


def engine_sessions(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    from ..store.db import make_session_factory

    return make_session_factory(engine), make_session_factory(engine, writes=True)
