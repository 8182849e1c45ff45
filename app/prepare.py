"""What every command that runs the product does first: settings from the environment,
workflows checked, database brought up to date. Problems are reported in a sentence, never as
a traceback."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from engine.check.diagnostics import render_text
from engine.check.template_facts import STORE as TEMPLATE_FACTS
from engine.compiled import SpecError
from engine.config import AppSettings
from engine.service.setup import prepare_database
from engine.service.workflows import WorkflowRegistry
from engine.store.db import make_engine


@dataclass(frozen=True, slots=True)
class Prepared:
    settings: AppSettings
    registry: WorkflowRegistry
    engine: Engine


def keep_template_facts(settings: AppSettings) -> None:
    """What the checker learns of the templates is kept in the data folder, so the next
    process checks the same workflows without parsing their templates again."""
    TEMPLATE_FACTS.keep_in(settings.data_dir / "cache")


def prepare() -> Prepared | None:
    settings = AppSettings()
    keep_template_facts(settings)
    try:
        registry = WorkflowRegistry.load(settings.project_dir, settings.workflows)
    except SpecError as error:
        served = settings.workflows or settings.project_dir / "workflows"
        if error.diagnostics:
            print(render_text(error.diagnostics), file=sys.stderr)
            print(f"cannot serve {served}: fix the problems above", file=sys.stderr)
        else:
            print(f"no workflow to serve in {served}", file=sys.stderr)
        return None
    engine = make_engine(settings.resolved_database_url(), **settings.engine_options())
    try:
        prepare_database(engine, registry)
    except SQLAlchemyError as error:
        print(f"the database cannot be used: {error.__class__.__name__}: {error}", file=sys.stderr)
        return None
    return Prepared(settings, registry, engine)
