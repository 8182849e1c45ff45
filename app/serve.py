"""`onboarding serve`: the web application under uvicorn, in one process or several, with the
embedded mail worker when it is on."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from .prepare import prepare

WORKER_HEALTHCHECK_SECONDS = 60
# How long an idle kept-alive connection stays open. uvicorn's 5 s races with clients and
# proxies that reuse a connection idle for about that long: the server closes it as the next
# request arrives, and that request gets no answer. A reverse proxy's idle timeout towards the
# app (nginx's upstream keepalive_timeout is 60 s) must stay below this one.
KEEP_ALIVE_SECONDS = 75


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
    # Imported here, after `_share_metrics`: the web app and the worker import
    # prometheus-client, which reads PROMETHEUS_MULTIPROC_DIR once, when first imported.
    import uvicorn

    from engine.logs import configure_logging, logging_config

    from .factory import create_app, make_runtime
    from .reload import start_watching
    from .warm_up import warm_up_in_background
    from .worker import start_in_thread

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
    stop_watching = None
    if settings.embedded_worker:
        _, stop = start_in_thread(runtime, prepared.engine)
        where = settings.smtp_host or f"the mail sink {settings.mail_sink}"
        print(f"mails are delivered by the embedded worker to {where}", flush=True)
    if workers == 1 or settings.embedded_worker:
        # This process's runtime: the app's and the worker's in one process, the embedded
        # worker's beside several web processes (each of which watches for itself).
        stop_watching = start_watching(runtime, prepared.engine)
    options = {
        "host": host,
        "port": port,
        "log_level": log_level,
        # uvicorn's access log would write raw paths and query strings: web/request_log.py
        # writes the access lines instead.
        "log_config": logging_config(settings.log_format, log_level),
        "access_log": False,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }
    try:
        if workers == 1:
            app = create_app(settings, runtime=runtime, engine=prepared.engine)
            print(f"serving on http://{host}:{port}/", flush=True)
            warm_up_in_background(app)  # routes, fonts, dummy hash: after the first page
            uvicorn.run(app, **options)
        else:
            # Each process builds its app from the environment: the address goes there too.
            os.environ["ONBOARDING_BASE_URL"] = settings.base_url
            print(f"serving on http://{host}:{port}/ with {workers} processes", flush=True)
            uvicorn.run(
                "app.factory:app_from_environment",
                factory=True,
                workers=workers,
                # uvicorn kills a child that has not answered its health check within this
                # time, counted from its start: on a busy machine a child still importing the
                # app would be killed and respawned forever with uvicorn's 5 s.
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                **options,
            )
    finally:
        if stop is not None:
            stop.set()
        if stop_watching is not None:
            stop_watching.set()
    return 0
