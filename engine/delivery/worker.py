"""The worker: fires due timers, then delivers the outbox, round after round. Runs as its own
process (`onboarding worker`, as many as wanted) or, in the embedded default, in a thread of the
web server (`onboarding serve`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from ..service.context import Runtime
from .mailer import Transport, make_transport
from .metrics import WORKER_ROUND_FAILURES, WORKER_ROUNDS
from .outbox import BatchResult, OutboxWorker, engine_sessions
from .timers import fire_due_timers

log = logging.getLogger("onboarding.worker")


@dataclass
class RoundResult:
    timers: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, batch: BatchResult) -> None:
        self.claimed += batch.claimed
        self.sent += batch.sent
        self.retried += batch.retried
        self.failed += batch.failed


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        engine: Engine,
        transport_factory: Callable[[], Transport] | None = None,
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

    def run_once(self, max_batches: int = 100) -> RoundResult:
        """Due timers, then batches of mails until none is due (or `max_batches`)."""
        result = RoundResult(
            timers=fire_due_timers(self.runtime, self.sessions, self.runtime.now)
        )
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
                if outcome.claimed or outcome.timers:
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
