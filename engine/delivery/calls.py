"""The call worker: outbound calls written by firings (`outbox_calls`) are leased like mails
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers share them), handed to the
performer registered for their kind, and marked done, or retried later with growing delays on
a temporary failure, or failed for good on a permanent one or after the last attempt, with a
notification to the workflow's role for failed calls. A killed worker's leased rows come back
when the lease ends.

Calls of one request to one system are made in the order they were planned: a call is not
claimed while an earlier call of the same request, kind and target is still queued (an
enrolment waits for the account it needs; a CRM gets a request's events in order). Calls to
different systems do not wait for each other: a webhook receiver that is down holds back no
enrolment.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from ..config import AppSettings
from ..store.models import Notification, OutboxCall, RequestRow, TrainingSession
from ..translations import DEFAULT_LANGUAGE, N_, translate
from .outbox import Workflows, retry_delay

log = logging.getLogger("onboarding.delivery.calls")

ERROR_LIMIT = 2000


@dataclass(frozen=True)
class CallToMake:
    """One call as a performer sees it. `facts()` reads the request's current facts (state,
    reference, answers, session, applicant's email) when the performer needs them."""

    id: int
    workflow_id: str
    request_id: int | None
    kind: str
    operation: str
    target: str
    payload: Mapping[str, Any]
    attempts: int
    facts: Callable[[], Mapping[str, Any]] = field(repr=False, compare=False)
    created_at: datetime | None = None  # when the firing that planned it committed


@dataclass(frozen=True)
class CallOutcome:
    ok: bool
    result: Mapping[str, Any] | None = None
    error: str | None = None  # shown to operators; never a credential
    temporary: bool = True  # retried with backoff (retry_delay) until call_max_attempts


class CallPerformer(Protocol):
    def perform(self, call: CallToMake) -> CallOutcome: ...


class NamesFailureRole(Protocol):
    """A performer whose targets name the role told of their failures (a webhook's `notify`)."""

    def failure_role(self, workflow_id: str, target: str) -> str | None: ...


@dataclass
class CallBatch:
    claimed: int = 0
    done: int = 0
    retried: int = 0
    failed: int = 0


def failure_role(compiled: Any) -> str | None:
    """The role told of a call that failed for good: the workflow's `delivery.failed_calls_role`,
    or else its first role that manages the backoffice (then its first admin role)."""
    if compiled is None:
        return None
    spec = compiled.spec
    declared = getattr(spec.delivery, "failed_calls_role", None)
    if declared:
        return str(declared)
    for level in ("manage", "admin"):
        for role in spec.roles:
            if role.backoffice == level:
                return str(role.id)
    return None


class CallWorker:
    def __init__(
        self,
        settings: AppSettings,
        registry: Workflows,
        write_sessions: sessionmaker[Session],
        performers: Mapping[str, CallPerformer],
        now: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.write_sessions = write_sessions
        self.performers = dict(performers)
        self.now = now
        self.name = f"calls-{uuid.uuid4().hex[:8]}"

    def claim(self, limit: int) -> list[OutboxCall]:
        now = self.now()
        earlier = aliased(OutboxCall)
        waiting_for_earlier = exists().where(
            earlier.request_id == OutboxCall.request_id,
            earlier.kind == OutboxCall.kind,
            earlier.target == OutboxCall.target,
            earlier.id < OutboxCall.id,
            earlier.status == "queued",
        )
        with self.write_sessions() as db:
            query = (
                select(OutboxCall.id)
                .where(
                    OutboxCall.status == "queued",
                    OutboxCall.next_attempt_at <= now,
                    or_(OutboxCall.lease_until.is_(None), OutboxCall.lease_until < now),
                    or_(OutboxCall.request_id.is_(None), ~waiting_for_earlier),
                )
                .order_by(OutboxCall.next_attempt_at, OutboxCall.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=OutboxCall)
            )
            ids = list(db.execute(query).scalars())
            rows: list[OutboxCall] = []
            if ids:
                lease = now + timedelta(seconds=self.settings.worker_lease_seconds)
                db.execute(
                    update(OutboxCall).where(OutboxCall.id.in_(ids)).values(lease_until=lease)
                )
                found = db.execute(select(OutboxCall).where(OutboxCall.id.in_(ids))).scalars()
                by_id = {row.id: row for row in found}
                rows = [by_id[i] for i in ids if i in by_id]
                db.expunge_all()
            db.commit()
        return rows

    def run_batch(self) -> CallBatch:
        rows = self.claim(self.settings.worker_batch)
        batch = CallBatch(claimed=len(rows))
        for row in rows:
            outcome = self.make(row)
            if outcome is not None:
                setattr(batch, outcome, getattr(batch, outcome) + 1)
        return batch

    def _facts(self, request_id: int | None) -> Callable[[], Mapping[str, Any]]:
        def read() -> Mapping[str, Any]:
            if request_id is None:
                return {}
            with self.write_sessions() as db:
                request = db.get(RequestRow, request_id)
                if request is None:
                    return {}
                session = None
                if request.session_code:
                    session = db.execute(
                        select(TrainingSession).where(
                            TrainingSession.workflow_id == request.workflow_id,
                            TrainingSession.code == request.session_code,
                        )
                    ).scalar_one_or_none()
                return {
                    "session": {
                        "code": session.code,
                        "title": session.title,
                        "lms_course": getattr(session, "lms_course", None),
                    }
                    if session is not None
                    else {},
                    "public_id": request.public_id,
                    "reference": request.reference,
                    "state": request.state,
                    "session_code": request.session_code,
                    "applicant_email": request.applicant_email,
                    "answers": dict(request.answers or {}),
                }

        return read

    def make(self, row: OutboxCall) -> str | None:
        """Makes one leased call with no transaction open, then records its outcome in a short
        transaction (only if this worker still holds the row: same lease, still queued)."""
        lease = row.lease_until
        if lease is None or self.now() >= lease:
            return None
        call = CallToMake(
            id=row.id,
            workflow_id=row.workflow_id,
            request_id=row.request_id,
            kind=row.kind,
            operation=row.operation,
            target=row.target,
            payload=dict(row.payload or {}),
            attempts=row.attempts,
            facts=self._facts(row.request_id),
            created_at=row.created_at,
        )
        performer = self.performers.get(row.kind)
        if performer is None:
            outcome = CallOutcome(
                ok=False,
                error=f"no performer for calls of kind '{row.kind}' in this application",
                temporary=False,
            )
        else:
            try:
                outcome = performer.perform(call)
            except Exception as failure:  # a performer's bug must not stop the worker
                log.exception("call %s: performer %s raised", row.id, row.kind)
                outcome = CallOutcome(ok=False, error=failure.__class__.__name__)
        return self.record(row, outcome)

    def record(self, row: OutboxCall, outcome: CallOutcome) -> str:
        now = self.now()
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "lease_until": None}
        if outcome.result is not None:
            values["result"] = dict(outcome.result)
        if outcome.ok:
            status = "done"
            values.update(status="done", last_error=None, finished_at=now)
        else:
            values["last_error"] = (outcome.error or "failed")[:ERROR_LIMIT]
            if outcome.temporary and attempts < self.settings.call_max_attempts:
                status = "retried"
                values["next_attempt_at"] = now + retry_delay(attempts)
            else:
                status = "failed"
                values.update(status="failed", finished_at=now)
        with self.write_sessions() as db:
            changed = db.execute(
                update(OutboxCall)
                .where(
                    and_(
                        OutboxCall.id == row.id,
                        OutboxCall.status == "queued",
                        OutboxCall.lease_until == row.lease_until,
                    )
                )
                .values(**values)
            ).rowcount
            if changed and status == "failed":
                self._notify_failure(db, row, values["last_error"], attempts, now)
            db.commit()
        if status == "failed":
            log.warning("call %s (%s %s) failed for good", row.id, row.kind, row.operation)
        return status

    def _notify_failure(
        self, db: Session, row: OutboxCall, error: str, attempts: int, now: datetime
    ) -> None:
        performer = self.performers.get(row.kind)
        named = getattr(performer, "failure_role", None)
        role = named(row.workflow_id, row.target) if callable(named) else None
        role = role or failure_role(self.registry.get(row.workflow_id))
        if role is None:
            return
        reference = None
        if row.request_id is not None:
            reference = db.execute(
                select(RequestRow.reference).where(RequestRow.id == row.request_id)
            ).scalar_one_or_none()
        compiled = self.registry.get(row.workflow_id)
        locale = compiled.spec.locale if compiled is not None else DEFAULT_LANGUAGE
        said = {"kind": row.kind, "operation": row.operation, "error": error[:300]}
        if reference:
            message = translate(
                locale,
                N_("The call {kind} “{operation}” failed (request {reference}): {error}"),
                reference=reference,
                **said,
            )
        else:
            message = translate(locale, N_("The call {kind} “{operation}” failed: {error}"), **said)
        db.add(
            Notification(
                request_id=row.request_id,
                dedupe_key=f"call:{row.id}:failed:{attempts}",
                role=role,
                message=message,
                created_at=now,
            )
        )
