"""Bringing a database up to date for the loaded workflows: schema migrations, then the
reference lists' initial entries and the current version of each workflow."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from ..store.db import make_session_factory
from ..store.migrate import upgrade
from ..store.transaction import writing
from .catalog import sync_reference_lists
from .workflows import WorkflowRegistry


def prepare_database(engine: Engine, registry: WorkflowRegistry) -> None:
    """Migrations, then what `publish_versions` stores: a command run beside serving
    processes (a setting changed, a user created) writes as they do, in write transactions."""
    upgrade(engine)
    publish_versions(engine, registry)


def publish_versions(engine: Engine, registry: WorkflowRegistry) -> None:
    """Stores the current version of each workflow and its reference lists' new entries, as a
    running process takes them. Each workflow in a transaction of its own: every process takes
    the same files at about the same moment, and the one that loses the race to store a row
    finds it stored by another (same hash, same files). It reads what it writes inside its
    write transaction: on SQLite, a read begun before the other process's commit could not
    write after it ("database is locked"), and the process would keep its previous version."""
    sessions = make_session_factory(engine)
    for compiled in registry.current.values():
        with sessions() as db:
            try:
                with writing(db):
                    registry.remember(db, compiled)
                    sync_reference_lists(db, compiled)
            except IntegrityError:
                pass  # stored by another process meanwhile (PostgreSQL); rolled back
