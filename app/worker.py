"""The worker: fires due timers (a use case of the services), then delivers the outbox (the
delivery layer), round after round. Runs as its own process (`onboarding worker`, as many as
wanted) or, in the embedded default, in a thread of the web server (`onboarding serve`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import start_http_server
from sqlalchemy import Engine

from engine.delivery.calls import CallBatch, CallPerformer, CallWorker
from engine.delivery.mailer import Transport, make_transport
from engine.delivery.metrics import WORKER_ROUND_FAILURES, WORKER_ROUNDS
from engine.delivery.outbox import BatchResult, OutboxWorker, engine_sessions
from engine.logs import configure_logging
from engine.service.context import Runtime
from engine.service.platform_mails import mail_platform_accounts
from engine.service.retention import apply_retention
from engine.service.seat_events import fire_seat_events
from engine.service.session_changes import fire_session_changes
from engine.service.timers import fire_due_timers

from .factory import make_performers, make_runtime
from .prepare import prepare
from .reload import start_watching

log = logging.getLogger("onboarding.worker")

RETENTION_EVERY = timedelta(hours=1)


@dataclass
class RoundResult:
    timers: int = 0
    seats: int = 0  # seats given to waiting requests (`seat_freed`)
    changes: int = 0  # requests told of their session's new dates or place (`session_changed`)
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    calls: int = 0
    calls_done: int = 0
    calls_failed: int = 0
    notices: int = 0
    erased: int = 0

    def add(self, batch: BatchResult) -> None:
        self.claimed += batch.claimed
        self.sent += batch.sent
        self.retried += batch.retried
        self.failed += batch.failed

    def add_calls(self, batch: CallBatch) -> None:
        self.calls += batch.claimed
        self.calls_done += batch.done
        self.calls_failed += batch.failed


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        engine: Engine,
        transport_factory: Callable[[], Transport] | None = None,
        performers: Mapping[str, CallPerformer] | None = None,
    ) -> None:
        self.runtime = runtime
        sessions, write_sessions = engine_sessions(engine)
        self.sessions = sessions
        self.outbox = OutboxWorker(
            runtime.settings,
            runtime.registry,
            sessions,
            write_sessions,
            transport_factory or (lambda: make_transport(runtime.settings)),
            runtime.now,
        )
        self.calls = CallWorker(
            runtime.settings,
            runtime.registry,
            write_sessions,
            performers if performers is not None else make_performers(runtime, sessions),
            runtime.now,
        )
        self.retention_due_at: datetime | None = None

    def run_once(self, max_batches: int = 100) -> RoundResult:
        """Due timers, then the seats left given to waiting requests (a timer may free one),
        the requests told of their session's change, the retention rules (once an hour),
        then batches of mails until none is due, then of calls (each up to `max_batches`)."""
        result = RoundResult(
            timers=fire_due_timers(self.runtime, self.sessions, self.runtime.now),
            seats=fire_seat_events(self.runtime, self.sessions, self.runtime.now),
            changes=fire_session_changes(self.runtime, self.sessions, self.runtime.now),
        )
        now = self.runtime.now()
        if self.retention_due_at is None or now >= self.retention_due_at:
            # Retention periods are counted in days: once an hour is on time, and spares the
            # database a scan every round.
            self.retention_due_at = now + RETENTION_EVERY
            retention = apply_retention(self.runtime, self.sessions, self.runtime.now)
            result.notices, result.erased = len(retention.notices), len(retention.erasures)
        for _ in range(max_batches):
            batch = self.outbox.run_batch()
            result.add(batch)
            if batch.claimed < self.runtime.settings.worker_batch:
                break
        for _ in range(max_batches):
            # Until nothing is due: a call made may release the next call of its request.
            calls = self.calls.run_batch()
            result.add_calls(calls)
            if calls.claimed == 0:
                break
        # The mails that wait for a platform account's call, then sent in this round.
        if mail_platform_accounts(self.runtime, self.sessions):
            for _ in range(max_batches):
                batch = self.outbox.run_batch()
                result.add(batch)
                if batch.claimed < self.runtime.settings.worker_batch:
                    break
        WORKER_ROUNDS.inc()
        return result

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                outcome = self.run_once()
                if (
                    outcome.claimed
                    or outcome.timers
                    or outcome.seats
                    or outcome.changes
                    or outcome.calls
                    or outcome.erased
                ):
                    log.info("worker round: %s", outcome)
            except Exception:  # keep the worker alive; the next round retries what failed
                WORKER_ROUND_FAILURES.inc()
                log.exception("worker round failed")
            stop.wait(self.runtime.settings.worker_poll_seconds)


def start_in_thread(runtime: Runtime, engine: Engine) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=Worker(runtime, engine).run_forever, args=(stop,), name="outbox-worker", daemon=True
    )
    thread.start()
    return thread, stop


def run_worker(once: bool, metrics_port: int | None = None, metrics_host: str = "127.0.0.1") -> int:
    """`onboarding worker`: timers and the outbox, until interrupted (or one round); its
    counters on http://METRICS_HOST:METRICS_PORT/metrics when a port is given."""
    prepared = prepare()
    if prepared is None:
        return 1
    configure_logging(prepared.settings.log_format)
    runtime = make_runtime(prepared.settings, prepared.registry)
    worker = Worker(runtime, prepared.engine)
    if once:
        print(worker.run_once())
        return 0
    if metrics_port is not None:
        start_http_server(metrics_port, addr=metrics_host)
        print(f"worker metrics on http://{metrics_host}:{metrics_port}/metrics", flush=True)
    stop = threading.Event()
    # Mails rendered from now on use the edited templates, as the web processes do.
    stop_watching = start_watching(runtime, prepared.engine)
    try:
        worker.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        if stop_watching is not None:
            stop_watching.set()
    return 0
