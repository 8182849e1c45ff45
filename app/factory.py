"""Creating the web app: the runtime its services share (workflows, link signer, the shape of
mailed links), the database engine, and the web layer's assembly (`web.app.build_app`) given
both. `app_from_environment` is the app of each process of `onboarding serve --workers N`:
uvicorn starts the processes and calls it in each, so everything comes from the environment
(the command has already checked the workflows and migrated the database, and set the public
address when none was configured)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.actions.effects import CallOut
from engine.config import AppSettings
from engine.delivery.calls import CallPerformer
from engine.delivery.lms.moodle import MoodleClient, MoodlePlatform
from engine.delivery.lms.platform import LearningPlatform, LmsPerformer
from engine.delivery.webhooks import WebhookPerformer, WebhookPoster
from engine.service.context import Runtime, default_link_url
from engine.service.links import LinkSigner
from engine.service.workflows import WorkflowRegistry
from engine.store.db import make_engine
from web.app import build_app

from .prepare import keep_template_facts
from .reload import start_watching
from .warm_up import warm_up

# The learning-platform connectors this application provides, by the name a workflow's
# `lms: {connector: ...}` gives.
CONNECTORS: dict[str, Callable[[AppSettings], LearningPlatform]] = {
    "moodle": lambda settings: MoodlePlatform(
        MoodleClient(settings.lms_url, settings.lms_token, timeout=settings.call_timeout)
    ),
}


def accepts_call(settings: AppSettings) -> Callable[[CallOut], bool]:
    """Calls to a learning platform are planned only when its address is set: without one,
    a workflow that declares `lms_*` actions runs as if it had none."""

    def accepts(call: CallOut) -> bool:
        return call.kind != "lms" or bool(settings.lms_url.strip())

    return accepts


def platform_for(runtime: Runtime) -> Callable[[str], LearningPlatform | None]:
    """The platform a workflow's `lms:` connection names, built on the product's settings."""

    def find(workflow_id: str) -> LearningPlatform | None:
        compiled = runtime.registry.get(workflow_id)
        connection = compiled.spec.lms if compiled is not None else None
        make = CONNECTORS.get(connection.connector) if connection is not None else None
        if make is None or not runtime.settings.lms_url.strip():
            return None
        return make(runtime.settings)

    return find


def make_performers(runtime: Runtime, sessions: sessionmaker[Session]) -> dict[str, CallPerformer]:
    """Who makes each kind of outbound call (`outbox_calls.kind`)."""
    settings = runtime.settings
    poster = WebhookPoster(
        {hook: secret.get_secret_value() for hook, secret in settings.webhook_secrets.items()},
        timeout=settings.call_timeout,
        clock=runtime.now,
    )
    return {
        "lms": LmsPerformer(runtime.platform_for, settings.lms_roles),
        "webhook": WebhookPerformer(runtime.registry, sessions, poster),
    }


def make_runtime(settings: AppSettings, registry: WorkflowRegistry | None = None) -> Runtime:
    registry = registry or WorkflowRegistry.load(settings.project_dir, settings.workflows)
    base = settings.base_url.rstrip("/")
    runtime = Runtime(
        settings=settings,
        registry=registry,
        signer=LinkSigner(settings.resolved_secret()),
        link_url=default_link_url(base),
        requests_link_url=lambda workflow_id, token: f"{base}/mes-demandes/{workflow_id}/{token}",
        draft_url=lambda path, token: f"{base}/{path}/reprendre/{token}",
        accepts_call=accepts_call(settings),
    )
    runtime.platform_for = platform_for(runtime)
    return runtime


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
    engine = engine or make_engine(settings.resolved_database_url(), **settings.engine_options())
    return build_app(settings, runtime, engine)


def app_from_environment() -> FastAPI:
    settings = AppSettings()
    keep_template_facts(settings)
    registry = WorkflowRegistry.load(settings.project_dir, settings.workflows)
    engine = make_engine(settings.resolved_database_url(), **settings.engine_options())
    runtime = make_runtime(settings, registry)
    app = create_app(settings, runtime=runtime, engine=engine)
    start_watching(runtime, engine)  # each web process takes edited files itself
    warm_up(app)  # routes, fonts and the dummy hash, once per process, before it answers
    return app
