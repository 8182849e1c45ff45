"""Bringing a database up to date for the loaded workflows: schema migrations, then the
reference lists' initial entries and the current version of each workflow."""

from __future__ import annotations

from sqlalchemy import Engine

from ..store.db import make_session_factory
from ..store.migrate import upgrade
from .catalog import sync_reference_lists
from .workflows import WorkflowRegistry


def prepare_database(engine: Engine, registry: WorkflowRegistry) -> None:
    upgrade(engine)
    with make_session_factory(engine)() as db:
        for compiled in registry.current.values():
            registry.remember(db, compiled)
            sync_reference_lists(db, compiled)
        db.commit()
