"""Creating the web app: the runtime its services share (workflows, link signer, the shape of
mailed links), the database engine, and the web layer's assembly (`web.app.build_app`) given
both. `app_from_environment` is the app of each process of `onboarding serve --workers N`:
uvicorn starts the processes and calls it in each, so everything comes from the environment
(the command has already checked the workflows and migrated the database, and set the public
address when none was configured)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from engine.config import AppSettings
from engine.service.context import Runtime, default_link_url
from engine.service.links import LinkSigner
from engine.service.workflows import WorkflowRegistry
from engine.store.db import make_engine
from web.app import build_app

from .prepare import keep_template_facts
from .warm_up import warm_up


def make_runtime(settings: AppSettings, registry: WorkflowRegistry | None = None) -> Runtime:
    registry = registry or WorkflowRegistry.load(settings.project_dir)
    base = settings.base_url.rstrip("/")
    return Runtime(
        settings=settings,
        registry=registry,
        signer=LinkSigner(settings.resolved_secret()),
        link_url=default_link_url(base),
        requests_link_url=lambda workflow_id, token: f"{base}/mes-demandes/{workflow_id}/{token}",
    )


def create_app(
    settings: AppSettings | None = None,
    *,
    runtime: Runtime | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """The app for the given settings (default: from the environment). The database must be
    prepared (`onboarding db upgrade`); `onboarding serve` does it before starting."""
    settings = settings or AppSettings()
    runtime = runtime or make_runtime(settings)
    engine = engine or make_engine(settings.resolved_database_url())
    return build_app(settings, runtime, engine)


def app_from_environment() -> FastAPI:
    settings = AppSettings()
    keep_template_facts(settings)
    registry = WorkflowRegistry.load(settings.project_dir)
    engine = make_engine(settings.resolved_database_url())
    app = create_app(settings, runtime=make_runtime(settings, registry), engine=engine)
    warm_up(app)  # routes, fonts and the dummy hash, once per process, before it answers
    return app
