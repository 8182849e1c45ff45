"""The commands that run the product (`db upgrade`, `demo`, `serve`): settings from the
environment, workflows checked, database brought up to date, then the work itself. Problems
are reported in a sentence, never as a traceback."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from .check.diagnostics import render_text
from .compiled import SpecError
from .config import AppSettings
from .service.setup import prepare_database
from .service.workflows import WorkflowRegistry
from .store.db import make_engine, make_session_factory


@dataclass(frozen=True, slots=True)
class Prepared:
    settings: AppSettings
    registry: WorkflowRegistry
    engine: Engine


def prepare() -> Prepared | None:
    settings = AppSettings()
    try:
        registry = WorkflowRegistry.load(settings.project_dir)
    except SpecError as error:
        if error.diagnostics:
            print(render_text(error.diagnostics), file=sys.stderr)
        print(
            f"no valid workflow in {settings.project_dir / 'workflows'}: fix the problems above",
            file=sys.stderr,
        )
        return None
    engine = make_engine(settings.resolved_database_url())
    try:
        prepare_database(engine, registry)
    except SQLAlchemyError as error:
        print(f"the database cannot be used: {error.__class__.__name__}: {error}", file=sys.stderr)
        return None
    return Prepared(settings, registry, engine)


def upgrade_database() -> int:
    from .store.migrate import current_revision

    prepared = prepare()
    if prepared is None:
        return 1
    print(f"database at revision {current_revision(prepared.engine)}")
    return 0


def load_demo(paths: list[Path]) -> int:
    from .service.seed import SeedError, load_seed, read_seed

    prepared = prepare()
    if prepared is None:
        return 1
    settings = prepared.settings
    paths = paths or sorted((settings.project_dir / "demo").glob("*.yaml"))
    try:
        with make_session_factory(prepared.engine)() as db:
            for path in paths:
                credentials = load_seed(db, prepared.registry, read_seed(path), settings.zone)
                print(f"loaded {path}")
                for c in credentials:
                    print(f"  login {c.email}  password {c.password}  roles {', '.join(c.roles)}")
            db.commit()
    except SeedError as error:
        print(f"demo data not loaded: {error}", file=sys.stderr)
        return 1
    return 0


def serve(host: str, port: int, log_level: str) -> int:
    import uvicorn

    from web.app import create_app, make_runtime

    prepared = prepare()
    if prepared is None:
        return 1
    settings = prepared.settings
    if "base_url" not in settings.model_fields_set:
        # Mailed links point at this server unless a public address is configured.
        settings = settings.model_copy(update={"base_url": f"http://{host}:{port}"})
    runtime = make_runtime(settings, prepared.registry)
    app = create_app(settings, runtime=runtime, engine=prepared.engine)
    print(f"serving on http://{host}:{port}/", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
    return 0
