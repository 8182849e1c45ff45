"""The `session_changed` event (`by: {event: session_changed}`): when a training session's
dates or place change, every request that held a seat in it then is told, once per change.

The change itself notes the requests to tell (`SessionChangeNotice`, one row per request and
revision), in the transaction that writes the new dates, under the session's row lock
(`sessions.update_session`): nothing is lost if a process dies before the worker's round, and
a request confirmed after the change, whose mails already carry the new dates, is not told
again. Each round the worker fires, for each request with notices open, the `session_changed`
transition of the state it is in (its actions mail the update, with a calendar made then:
same UID, the session's new revision as SEQUENCE), and closes the notices in the firing's own
transaction. Several changes not yet told are told once, with the session as it is then. A
request that left the states listening to the event (cancelled meanwhile), or moved to
another session, or whose transition's condition does not hold, has its notices closed
without a mail."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..compiled import CompiledWorkflow
from ..process.actors import Actor
from ..process.firing import FireError
from ..spec.process import SESSION_CHANGED, ByEvent
from ..store.models import RequestRow, SessionChangeNotice
from .context import Runtime
from .requests import Conflict, RequestService
from .transaction import writing

log = logging.getLogger("onboarding.sessions")

# Notices read per round: the rest waits for the next one.
BATCH = 500


@dataclass(frozen=True, slots=True)
class ToTell:
    """A request with open notices, as read in one statement with its version."""

    request_id: int
    last_notice: int  # the notices up to this id are closed by the firing
    version: int
    state: str
    current_code: str | None
    notice_code: str


def change_transitions(compiled: CompiledWorkflow) -> dict[str, str]:
    """The states of a workflow version that listen to `session_changed`, each with its
    transition."""
    found: dict[str, str] = {}
    for transition in compiled.spec.process.transitions:
        by = transition.by
        if isinstance(by, ByEvent) and by.event == SESSION_CHANGED:
            for state in transition.source:
                found.setdefault(state, transition.id)
    return found


def open_notices(db: Session) -> list[ToTell]:
    """The requests with notices not closed yet, oldest first. The request's version is read
    in the same statement as its notices: a firing by another worker either closed them
    before this read, or changes the version after it (and this firing is refused)."""
    rows = db.execute(
        select(
            SessionChangeNotice.id,
            SessionChangeNotice.request_id,
            SessionChangeNotice.session_code,
            RequestRow.version,
            RequestRow.state,
            RequestRow.session_code.label("current_code"),
        )
        .join(RequestRow, RequestRow.id == SessionChangeNotice.request_id)
        .where(SessionChangeNotice.done_at.is_(None))
        .order_by(SessionChangeNotice.id)
        .limit(BATCH)
    ).all()
    found: dict[int, ToTell] = {}
    for row in rows:
        found[row.request_id] = ToTell(
            row.request_id, row.id, row.version, row.state, row.current_code, row.session_code
        )
    return list(found.values())


def close_notices(db: Session, request_id: int, last_notice: int, now: datetime) -> None:
    """Closes the request's open notices up to `last_notice`, in the caller's transaction."""
    db.execute(
        update(SessionChangeNotice)
        .where(
            SessionChangeNotice.request_id == request_id,
            SessionChangeNotice.id <= last_notice,
            SessionChangeNotice.done_at.is_(None),
        )
        .values(done_at=now)
    )


def fire_session_changes(
    runtime: Runtime, sessions: sessionmaker[Session], now: Callable[[], datetime]
) -> int:
    """Tells the requests noted when their session changed; returns how many were told."""
    with sessions() as db:
        pending = open_notices(db)
    told = 0
    for item in pending:
        with sessions() as db:
            service = RequestService(db, runtime)
            row = db.get(RequestRow, item.request_id)
            if row is None:
                continue
            transition = change_transitions(service.compiled_for(row)).get(item.state)
            if transition is None or item.current_code != item.notice_code:
                # Nothing to tell any more: no seat now, or another session.
                with writing(db):
                    close_notices(db, item.request_id, item.last_notice, now())
                continue
            try:
                service.fire(
                    row,
                    service.compiled_for(row),
                    transition,
                    Actor.on_event(SESSION_CHANGED),
                    expected_version=item.version,
                    on_write=lambda r, i=item: close_notices(
                        db, i.request_id, i.last_notice, now()
                    ),
                )
                told += 1
            except FireError as error:
                log.info("session change not told to request %s: %s", item.request_id, error)
                with writing(db):
                    close_notices(db, item.request_id, item.last_notice, now())
            except Conflict:
                pass  # the request changed meanwhile: read again next round
    return told
