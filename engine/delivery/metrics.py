"""What the delivery side tells Prometheus: rounds and timers counted by the worker that ran
them, and the outbox as the database holds it, read when scraped, so the figures are right
whichever process delivered the mails."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..store.models import OutboxMail

log = logging.getLogger("onboarding.metrics")

WORKER_ROUNDS = Counter("onboarding_worker_rounds", "Worker rounds run (timers, then the outbox)")
WORKER_ROUND_FAILURES = Counter(
    "onboarding_worker_round_failures", "Worker rounds stopped by an unexpected error"
)
TIMERS_FIRED = Counter("onboarding_timers_fired", "Transitions fired by the workflows' timers")

OUTBOX_STATUSES = ("queued", "sent", "failed")


class OutboxCollector(Collector):
    """The outbox's mails by status and the age of the oldest one still queued (0 when none),
    read from the database at each scrape; `onboarding_outbox_readable` is 0 when it could
    not be read."""

    def __init__(self, sessions: sessionmaker[Session], now: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.now = now

    def collect(self) -> Iterator[Metric]:
        try:
            with self.sessions() as db:
                by_status = select(OutboxMail.status, func.count()).group_by(OutboxMail.status)
                counts = {status: count for status, count in db.execute(by_status).all()}
                oldest = db.execute(
                    select(func.min(OutboxMail.created_at)).where(OutboxMail.status == "queued")
                ).scalar()
        except SQLAlchemyError as error:
            log.warning("outbox not readable for metrics: %s", error.__class__.__name__)
            yield GaugeMetricFamily(
                "onboarding_outbox_readable", "Whether the outbox could be read", value=0
            )
            return
        mails = GaugeMetricFamily(
            "onboarding_outbox_mails", "Mails in the outbox, by status", labels=["status"]
        )
        for status in OUTBOX_STATUSES:
            mails.add_metric([status], counts.get(status, 0))
        yield mails
        age = (self.now() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "onboarding_outbox_oldest_queued_age_seconds",
            "Seconds since the oldest mail still queued was written (0 when none is)",
            value=max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "onboarding_outbox_readable", "Whether the outbox could be read", value=1
        )
