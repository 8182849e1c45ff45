"""The workflow's retention rules, applied by the worker (and `onboarding purge`): requests in a
rule's states whose last change is older than its period have their personal data erased
(`personal_data.anonymise`); where the rule asks for a notice, the applicant is mailed first,
and the erasure waits until the notice has been out for its full delay, even if the worker was
stopped meanwhile. Rules are those of the workflow's current version: a shortened period applies
to requests already closed, which is what a retention policy means."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..compiled import CompiledWorkflow
from ..spec.workflow import RetentionRule
from ..store.models import RequestRow
from .context import Runtime
from .effects import queue_mail
from .personal_data import AlreadyErased, Eraser, anonymise
from .requests import RequestService
from .settings_store import overrides
from .transaction import writing

log = logging.getLogger("onboarding.retention")


@dataclass(frozen=True, slots=True)
class Due:
    request_id: int
    workflow_id: str
    reference: str | None
    state: str
    rule: str
    erase_on: datetime  # when the data goes (for a notice: the date it announces)


@dataclass
class RetentionReport:
    notices: list[Due] = field(default_factory=list)
    erasures: list[Due] = field(default_factory=list)


def _states(compiled: CompiledWorkflow, rule: RetentionRule) -> list[str]:
    chosen = list(rule.states)
    chosen += [s.id for s in compiled.spec.process.states if s.category in rule.categories]
    return list(dict.fromkeys(chosen))


def due(db: Session, runtime: Runtime, now: datetime) -> RetentionReport:
    """What the rules ask for now: notices to mail, erasures to make. Reads only."""
    report = RetentionReport()
    for workflow_id, compiled in runtime.registry.current.items():
        settings = overrides(db, workflow_id)
        for rule in compiled.spec.retention:
            period = compiled.duration(rule.after, settings)
            if period is None:
                continue
            notice = (
                compiled.duration(rule.notice.before, settings) if rule.notice is not None else None
            )
            base = select(
                RequestRow.id,
                RequestRow.reference,
                RequestRow.state,
                RequestRow.updated_at,
                RequestRow.applicant_email,
                RequestRow.retention_notice_at,
            ).where(
                RequestRow.workflow_id == workflow_id,
                RequestRow.state.in_(_states(compiled, rule)),
                RequestRow.anonymised_at.is_(None),
            )
            # Candidates are those old enough for the notice (or for erasure, without one).
            early = period - notice if notice is not None else period
            for row in db.execute(base.where(RequestRow.updated_at <= now - early)):
                erase_on = row.updated_at + period
                mailed = row.retention_notice_at
                item = Due(row.id, workflow_id, row.reference, row.state, rule.id, erase_on)
                if notice is None or not row.applicant_email:
                    if erase_on <= now:
                        report.erasures.append(item)
                elif mailed is None:
                    # The notice gives its full delay, from the day it is sent.
                    announced = max(erase_on, now + notice)
                    report.notices.append(
                        Due(row.id, workflow_id, row.reference, row.state, rule.id, announced)
                    )
                elif erase_on <= now and mailed + notice <= now:
                    report.erasures.append(item)
    return report


def _send_notice(db: Session, runtime: Runtime, item: Due, now: datetime) -> bool:
    service = RequestService(db, runtime)
    row = db.get(RequestRow, item.request_id)
    if row is None or row.anonymised_at is not None or not row.applicant_email:
        return False
    compiled = runtime.registry.get(item.workflow_id)
    if compiled is None:
        return False
    rule = next((r for r in compiled.spec.retention if r.id == item.rule), None)
    if rule is None or rule.notice is None:
        return False
    snapshot = service.snapshot(row, compiled)
    day = item.erase_on.astimezone(runtime.zone).strftime("%d/%m/%Y")
    context = compiled.template_context(
        replace(snapshot, extra={**snapshot.extra, "erasure_date": day})
    )
    rendered = compiled.render_mail(rule.notice.template, context)
    email, updated_at = row.applicant_email, row.updated_at
    with writing(db):
        marked = db.execute(
            update(RequestRow)
            .where(RequestRow.id == row.id, RequestRow.retention_notice_at.is_(None))
            # The notice is not a change of the request: its period still counts from before.
            .values(retention_notice_at=now, updated_at=updated_at)
        ).rowcount
        if not marked:
            return False
        queue_mail(
            db,
            workflow_id=compiled.spec.id,
            request=row,
            dedupe_key=f"retention:{row.id}:{rule.id}",
            template=rule.notice.template,
            rendered=rendered,
            to=[email],
            cc=[],
            attachments=(),
            mail_domain=runtime.settings.mail_domain,
            now=now,
        )
    return True


def apply_retention(
    runtime: Runtime,
    sessions: sessionmaker[Session],
    now: Callable[[], datetime],
    dry_run: bool = False,
) -> RetentionReport:
    """Mails the notices due and makes the erasures due, each in a transaction of its own;
    with `dry_run`, only says what would be done."""
    moment = now()
    with sessions() as db:
        report = due(db, runtime, moment)
    if dry_run:
        return report
    done = RetentionReport()
    for item in report.notices:
        with sessions() as db:
            if _send_notice(db, runtime, item, moment):
                done.notices.append(item)
    for item in report.erasures:
        with sessions() as db:
            row = db.get(RequestRow, item.request_id)
            if row is None:
                continue
            try:
                anonymise(
                    db,
                    row,
                    reason=f"retention rule '{item.rule}'",
                    by=Eraser("retention", item.rule),
                    now=moment,
                )
            except (AlreadyErased, StaleDataError):  # another worker erased it meanwhile
                continue
            done.erasures.append(item)
    if done.notices or done.erasures:
        log.info(
            "retention: %d notice(s) mailed, %d request(s) anonymised",
            len(done.notices),
            len(done.erasures),
        )
    return done
