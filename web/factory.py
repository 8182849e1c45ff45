"""The app of each process of `onboarding serve --workers N`: uvicorn starts the processes
and calls `app_from_environment` in each, so everything comes from the environment (the
command has already checked the workflows and migrated the database, and set the public
address when none was configured)."""

from __future__ import annotations

from fastapi import FastAPI

from engine.config import AppSettings
from engine.delivery.pdf import preload_fonts
from engine.service.workflows import WorkflowRegistry
from engine.store.db import make_engine

from .app import create_app, make_runtime


def app_from_environment() -> FastAPI:
    settings = AppSettings()
    registry = WorkflowRegistry.load(settings.project_dir)
    engine = make_engine(settings.resolved_database_url())
    preload_fonts()  # once per process, not during its first confirmation
    return create_app(settings, runtime=make_runtime(settings, registry), engine=engine)
