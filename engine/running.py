"""The commands that run the product (`db upgrade`, `demo`, `serve`): settings from the
environment, workflows checked, database brought up to date, then the work itself. Problems
are reported in a sentence, never as a traceback."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
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


def serve(host: str, port: int, log_level: str, workers: int = 1) -> int:
    """`onboarding serve`: one web process, or `workers` of them started by uvicorn, each
    building its app from the environment. The embedded mail worker, when on, runs once, in
    this process: with several web processes it is their supervisor's thread, never one per
    process."""
    if workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    shared_metrics = _share_metrics(workers)
    try:
        return _serve(host, port, log_level, workers)
    finally:
        if shared_metrics is not None:
            shutil.rmtree(shared_metrics, ignore_errors=True)


def _share_metrics(workers: int) -> Path | None:
    """A fresh folder where the web processes keep their metrics, so that any of them adds up
    all of them on `/metrics` (prometheus-client's multiprocess mode). prometheus-client reads
    the variable when first imported: this runs before anything imports it, and the processes
    uvicorn starts inherit it. A folder given by the environment is used as it is."""
    if workers == 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="onboarding-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def _serve(host: str, port: int, log_level: str, workers: int) -> int:
    import uvicorn

    from web.app import create_app, make_runtime

    from .logs import configure_logging, logging_config

    prepared = prepare()
    if prepared is None:
        return 1
    settings = prepared.settings
    if "base_url" not in settings.model_fields_set:
        # Mailed links point at this server unless a public address is configured.
        settings = settings.model_copy(update={"base_url": f"http://{host}:{port}"})
    configure_logging(settings.log_format, log_level)
    runtime = make_runtime(settings, prepared.registry)
    stop = None
    if settings.embedded_worker:
        from .delivery.worker import start_in_thread

        _, stop = start_in_thread(runtime, prepared.engine)
        where = settings.smtp_host or f"the mail sink {settings.mail_sink}"
        print(f"mails are delivered by the embedded worker to {where}", flush=True)
    options = {
        "host": host,
        "port": port,
        "log_level": log_level,
        # uvicorn's access log would write raw paths and query strings: web/request_log.py
        # writes the access lines instead.
        "log_config": logging_config(settings.log_format, log_level),
        "access_log": False,
    }
    try:
        if workers == 1:
            from .delivery.pdf import preload_fonts

            preload_fonts()  # once at start, not during the first confirmation
            app = create_app(settings, runtime=runtime, engine=prepared.engine)
            print(f"serving on http://{host}:{port}/", flush=True)
            uvicorn.run(app, **options)
        else:
            # Each process builds its app from the environment: the address goes there too.
            os.environ["ONBOARDING_BASE_URL"] = settings.base_url
            print(f"serving on http://{host}:{port}/ with {workers} processes", flush=True)
            uvicorn.run(
                "web.factory:app_from_environment", factory=True, workers=workers, **options
            )
    finally:
        if stop is not None:
            stop.set()
    return 0


def run_worker(once: bool, metrics_port: int | None = None, metrics_host: str = "127.0.0.1") -> int:
    """`onboarding worker`: timers and the outbox, until interrupted (or one round); its
    counters on http://METRICS_HOST:METRICS_PORT/metrics when a port is given."""
    import threading

    from web.app import make_runtime

    from .delivery.worker import Worker
    from .logs import configure_logging

    prepared = prepare()
    if prepared is None:
        return 1
    configure_logging(prepared.settings.log_format)
    worker = Worker(make_runtime(prepared.settings, prepared.registry), prepared.engine)
    if once:
        print(worker.run_once())
        return 0
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
        print(f"worker metrics on http://{metrics_host}:{metrics_port}/metrics", flush=True)
    stop = threading.Event()
    try:
        worker.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def change_setting(workflow_id: str, key: str | None, value: str | None) -> int:
    """`onboarding settings WORKFLOW [KEY [VALUE]]`: show or change a workflow's settings."""
    from .service.settings_store import SettingError, effective, set_value

    prepared = prepare()
    if prepared is None:
        return 1
    compiled = prepared.registry.get(workflow_id)
    if compiled is None:
        known = ", ".join(prepared.registry.current)
        print(f"unknown workflow '{workflow_id}' (known: {known})", file=sys.stderr)
        return 2
    with make_session_factory(prepared.engine)() as db:
        if key is not None and value is not None:
            try:
                set_value(db, compiled, key, value)
            except SettingError as error:
                print(str(error), file=sys.stderr)
                return 2
            db.commit()
        for name, current in effective(db, compiled).items():
            if key is None or name == key:
                print(f"{name} = {current}")
    return 0


def create_user(email: str, roles: list[str], password: str | None) -> int:
    """`onboarding user create EMAIL --role R [--password P]`: a backoffice user; without a
    password, one is drawn and printed once."""
    import secrets

    from .service.accounts import find_account, hash_password
    from .service.logins import set_password_hash
    from .store.models import Account
    from .wizard.values import normalise_email

    prepared = prepare()
    if prepared is None:
        return 1
    address = normalise_email(email)
    if address is None:
        print(f"not an email address: {email!r}", file=sys.stderr)
        return 2
    declared = {r.id for c in prepared.registry.current.values() for r in c.spec.roles}
    unknown = sorted(set(roles) - declared)
    if unknown or not roles:
        print(
            f"unknown role(s) {', '.join(unknown) or '(none given)'}; "
            f"declared: {', '.join(sorted(declared))}",
            file=sys.stderr,
        )
        return 2
    chosen = password or secrets.token_urlsafe(12)
    if len(chosen) < 10:
        print("the password must have at least 10 characters", file=sys.stderr)
        return 2
    with make_session_factory(prepared.engine)() as db:
        account = find_account(db, address)
        if account is None:
            account = Account(email=address, profile={})
            db.add(account)
        account.roles = sorted(set(roles))
        account.active = True
        set_password_hash(account, hash_password(chosen), datetime.now(UTC))
        db.commit()
    print(f"user {address}  roles {', '.join(sorted(set(roles)))}")
    if password is None:
        print(f"password {chosen}")
    return 0
