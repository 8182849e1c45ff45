"""Freed seats are offered once each, whichever worker process offers them: a session with
three seats free and twelve requests waiting, two `onboarding worker --once` processes started
at the same moment. Exactly the first three in line are offered a seat, with one mail each."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.config import AppSettings
from engine.service.workflows import WorkflowRegistry
from engine.store.db import make_engine, make_session_factory
from engine.store.models import OutboxMail, RequestRow, TrainingSession
from tests.serving import PROJECT

from .conftest import Product

CODE = "OFFER3"
WAITING = 12
FREE = 3


def prepare_line(product: Product) -> list[int]:
    """The session (full, then three seats added) and its waiting requests, oldest first."""
    settings = AppSettings(
        project_dir=PROJECT,
        data_dir=product.installation.data_dir,
        database_url=product.installation.database_url,
    )
    engine = make_engine(settings.resolved_database_url())
    registry = WorkflowRegistry.load(PROJECT)
    compiled = registry.get("onboarding")
    assert compiled is not None
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    ids = []
    try:
        with make_session_factory(engine)() as db:
            registry.remember(db, compiled)
            db.add(
                TrainingSession(
                    workflow_id="onboarding",
                    code=CODE,
                    title="Session de trois places libérées",
                    starts_at=datetime(2030, 6, 1, 9, 0, tzinfo=UTC),
                    ends_at=datetime(2030, 6, 1, 17, 0, tzinfo=UTC),
                    place="Lyon",
                    capacity=FREE,
                    is_open=True,
                )
            )
            for number in range(WAITING):
                email = f"attente.{number}.{product.backend}@example.org"
                moment = start + timedelta(minutes=number)
                row = RequestRow(
                    public_id=str(uuid.uuid4()),
                    workflow_id="onboarding",
                    spec_hash=compiled.content_hash,
                    state="waiting_list",
                    state_entered_at=moment,
                    session_code=CODE,
                    reference=f"{CODE}-{number + 1:04d}",
                    answers={
                        "session_code": CODE,
                        "civility": "mme",
                        "first_name": "Attente",
                        "last_name": str(number),
                        "email": email,
                    },
                    applicant_email=email,
                    current_step="terms",
                    locale="fr",
                    created_at=moment,
                    submitted_at=moment,
                    updated_at=moment,
                )
                db.add(row)
                db.flush()
                ids.append(row.id)
            db.commit()
    finally:
        engine.dispose()
    return ids


def test_two_workers_offer_three_free_seats_to_the_first_three(product: Product) -> None:
    ids = prepare_line(product)
    installation = product.installation
    workers = [
        subprocess.Popen(
            installation.command("worker", "--once"),
            cwd=PROJECT,
            env=installation.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=180) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    settings = AppSettings(
        project_dir=PROJECT,
        data_dir=installation.data_dir,
        database_url=installation.database_url,
    )
    engine = make_engine(settings.resolved_database_url())
    try:
        with make_session_factory(engine)() as db:
            rows = db.execute(
                select(RequestRow.id, RequestRow.state)
                .where(RequestRow.session_code == CODE)
                .order_by(RequestRow.id)
            ).all()
            offers = db.execute(
                select(OutboxMail.to).where(OutboxMail.template == "seat_offered")
            ).scalars()
            offered_to = sorted(to[0] for to in offers)
    finally:
        engine.dispose()
    states = {row.id: row.state for row in rows}
    assert [states[i] for i in ids[:FREE]] == ["seat_offered"] * FREE, outputs
    assert [states[i] for i in ids[FREE:]] == ["waiting_list"] * (WAITING - FREE)
    expected = sorted(f"attente.{n}.{product.backend}@example.org" for n in range(FREE))
    assert [e for e in offered_to if e.startswith("attente.")] == expected
