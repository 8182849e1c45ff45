"""Endpoints for whoever runs the product: `/healthz` (the process answers), `/readyz` (the
database answers and is migrated for this code), `/metrics` (Prometheus). They set no cookie
and take no form, so probes and scrapers need nothing; they stay cheap.

With several web processes (`onboarding serve --workers N`), each process counts its own
requests: when PROMETHEUS_MULTIPROC_DIR names a folder shared by the processes (`serve` makes
one when it starts several), prometheus-client keeps the counts there and any process's
`/metrics` adds them all up."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from engine.delivery.metrics import OutboxCollector
from engine.store.migrate import head_revision, readiness

router = APIRouter()


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    problem = readiness(request.app.state.engine)
    if problem is None:
        return JSONResponse({"status": "ready", "revision": head_revision()})
    body = {"status": "unavailable", "reason": problem.reason}
    for name in ("error", "revision", "head"):
        if getattr(problem, name) is not None:
            body[name] = getattr(problem, name)
    return JSONResponse(body, status_code=503)


def scrape_registry(outbox: OutboxCollector) -> CollectorRegistry:
    """This scrape's metrics: the process's own (or every process's, in multiprocess mode)
    and the outbox read now."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(outbox)
    return registry


@router.get("/metrics")
def metrics(request: Request) -> Response:
    outbox = OutboxCollector(request.app.state.sessions, request.app.state.runtime.now)
    # The format the scraper asks for (OpenMetrics or Prometheus text), as the library chooses.
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(scrape_registry(outbox)), media_type=content_type)
