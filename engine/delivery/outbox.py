"""The outbox worker's claim and delivery: rows due are leased (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so any number of workers share the work), sent one by one, and marked
sent, or retried later with growing delays, or failed after the last attempt. A killed worker's
leased rows come back when the lease ends."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, Update, bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..compiled import CompiledWorkflow
from ..config import AppSettings
from ..store.db import for_writes, make_session_factory
from ..store.models import DocumentRow, OutboxMail
from ..store.reads import overrides, role_members
from .mailer import DeliveryError, Envelope, Redirection, Transport
from .recorder import OutcomeRecorder

log = logging.getLogger("onboarding.delivery")

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=2)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min... up to 2 h between attempts."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


class Workflows(Protocol):
    """What the worker reads of the workflows served (the services' registry): a mail's
    sender and its test mode are those of the current version of its workflow."""

    def get(self, workflow_id: str) -> CompiledWorkflow | None: ...


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


_OUTBOX = OutboxMail.__table__
_LEASE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(lease_until=bindparam("lease"))
)
_RECORD = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == "queued")


@functools.cache
def _record(columns: frozenset[str]) -> Update:
    """The outcome of one mail, written with SQLAlchemy Core (no unit of work), for the columns
    it sets, every value a parameter: built once per set of columns (sent, retried, failed), as a
    statement built for each mail costs more to build and to key for the cache than to run."""
    return _RECORD.values({name: bindparam(f"new_{name}") for name in sorted(columns)})


class OutboxWorker:
    def __init__(
        self,
        settings: AppSettings,
        registry: Workflows,
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

    def claim(self, limit: int) -> list[OutboxMail]:
        """Leases up to `limit` due rows to this worker and returns them, loaded: the batch
        sends from these copies instead of reading each row again. The lease is one UPDATE in
        a short write transaction; the rows (their text and HTML) are read after it, outside
        the write lock."""
        now = self.now()
        lease = now + timedelta(seconds=self.settings.worker_lease_seconds)
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
                db.execute(_LEASE, {"ids": ids, "lease": lease})
            db.commit()
        if not ids:
            return []
        with self.sessions() as db:
            found = db.execute(select(OutboxMail).where(OutboxMail.id.in_(ids))).scalars()
            by_id = {row.id: row for row in found}
        return [by_id[i] for i in ids if i in by_id]

    # -- delivering ---------------------------------------------------------------------------

    def run_batch(self) -> BatchResult:
        """Claims a batch and sends it over one connection, from one database session. Each
        mail's outcome is committed while the next mail is being sent (`OutcomeRecorder`), so a
        worker killed in the middle of a batch sends again at most the mail it was sending and
        the one before it."""
        rows = self.claim(self.settings.worker_batch)
        result = BatchResult(claimed=len(rows))
        self._redirections: dict[str, Redirection | None] = {}  # test mode, read once a batch
        if not rows:
            return result
        transport = self.transport_factory()
        try:
            with self.sessions() as db:
                recorder = OutcomeRecorder(for_writes(db.get_bind().engine))
                try:
                    for row in rows:
                        outcome = self.deliver(db, row, transport, recorder)
                        if outcome is not None:
                            setattr(result, outcome, getattr(result, outcome) + 1)
                finally:
                    # Also when a send raised: the outcomes already known are kept.
                    recorder.close()
        finally:
            transport.close()
        return result

    def deliver(
        self, db: Session, row: OutboxMail, transport: Transport, recorder: OutcomeRecorder
    ) -> str | None:
        """Sends one leased mail. The SMTP conversation runs with no transaction open (on
        SQLite a write transaction would hold every web process's writes meanwhile); the
        outcome is then handed to the recorder, which commits it in a short transaction of its
        own while the next mail is sent. None: the lease ran out before the mail's turn, it is
        left to whichever worker claims it next."""
        if row.lease_until is None or self.now() >= row.lease_until:
            return None
        envelope = self.envelope(db, row)
        if db.in_transaction():
            db.commit()  # ends the read; the documents stay loaded
        error: str | None = None
        try:
            if not envelope.to:
                raise DeliveryError("no recipient (test mode is on and no user is a tester)")
            transport.send(envelope)
        except (DeliveryError, OSError) as failure:
            error = str(failure) or failure.__class__.__name__
        if error is not None:
            outcome, values = self._failed(row, error)
        else:
            outcome = "sent"
            values = {
                "status": "sent",
                "sent_at": self.now(),
                "last_error": None,
                "redirected_to": envelope.redirection.testers if envelope.redirection else None,
            }
        values.update(attempts=row.attempts + 1, lease_until=None)
        parameters = {f"new_{name}": value for name, value in values.items()}
        recorder.record(_record(frozenset(values)), {"row_id": row.id, **parameters})
        return outcome

    def _failed(self, row: OutboxMail, error: str) -> tuple[str, dict[str, object]]:
        attempts = row.attempts + 1
        values: dict[str, object] = {"last_error": error[:2000]}
        if attempts >= self.settings.mail_max_attempts:
            # The server's answer may quote the recipient's address: it stays on the mail's
            # row (shown in the backoffice), out of the logs.
            log.warning("mail %s failed after %d attempts", row.id, attempts)
            return "failed", {**values, "status": "failed"}
        return "retried", {**values, "next_attempt_at": self.now() + retry_delay(attempts)}

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

    def _redirection(self, db: Session, compiled: CompiledWorkflow | None) -> Redirection | None:
        if compiled is None:
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
    return make_session_factory(engine), make_session_factory(engine, writes=True)
