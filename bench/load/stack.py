"""The product as the load test runs it, each part in a process of its own on a fresh data
folder and database: the SMTP sink, `onboarding serve` (SQLite: one process with its embedded
mail worker; PostgreSQL: `--workers 2` and separate `onboarding worker` processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.serving import PROJECT, Installation, Served, free_port, stop_all

HERE = Path(__file__).resolve().parent
SECRET_KEY = "load-test-secret-not-for-production"
OPERATOR_PASSWORD = "Operateur-charge-2026"


@dataclass(frozen=True)
class Shape:
    """How the product is deployed for a run."""

    web_processes: int
    mail_workers: int  # 0: the worker embedded in `serve`


@dataclass
class Stack:
    installation: Installation
    served: Served
    mail_folder: Path
    operators: list[tuple[str, str]]
    workers: list[Served] = field(default_factory=list)

    def logs(self) -> dict[str, str]:
        return {p.log_path.name: p.log() for p in [self.served, *self.workers]}


def seed(code: str, seats: int) -> str:
    """The session of the opening: far enough ahead to stay open, fewer seats than people."""
    return f"""\
workflow: onboarding
sessions:
  - code: {code}
    title: "Ouverture des inscriptions : session de {seats} places"
    starts_at: 2030-06-01 09:00
    ends_at: 2030-06-01 17:00
    place: Lyon
    capacity: {seats}
"""


@contextmanager
def sink(folder: Path) -> Iterator[int]:
    """The SMTP sink on a free port; yields the port."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "sink.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "smtp_sink.py"), "--port", str(port), "--folder", folder],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != b"ready":
            raise RuntimeError(f"the SMTP sink did not start: {(folder / 'sink.log').read_text()}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def running(
    data_dir: Path, database_url: str, shape: Shape, code: str, seats: int, operators: int
) -> Iterator[Stack]:
    with ExitStack() as stack:
        mail_folder = data_dir / "mail"
        smtp_port = stack.enter_context(sink(mail_folder))
        installation = Installation(
            data_dir,
            database_url,
            {
                "ONBOARDING_SECRET_KEY": SECRET_KEY,
                "ONBOARDING_SMTP_HOST": "127.0.0.1",
                "ONBOARDING_SMTP_PORT": str(smtp_port),
                "ONBOARDING_WORKER_POLL_SECONDS": "0.2",
                "ONBOARDING_EMBEDDED_WORKER": "false" if shape.mail_workers else "true",
            },
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "opening.yaml").write_text(seed(code, seats), encoding="utf-8")
        demo = PROJECT / "demo" / "onboarding.yaml"
        installation.run("demo", str(demo), str(data_dir / "opening.yaml"))
        accounts = [
            (f"operateur.{n}@charge.example", OPERATOR_PASSWORD) for n in range(1, operators + 1)
        ]
        for email, password in accounts:
            role = ("--role", "registration_manager", "--password", password)
            installation.run("user", "create", email, *role)
        served = serve(installation, shape.web_processes)
        workers = [worker(installation, n) for n in range(1, shape.mail_workers + 1)]
        stack.callback(stop, [served, *workers])
        # Several processes each loading the workflows, on a machine that may be busy.
        served.wait_ready(timeout=600)
        yield Stack(installation, served, mail_folder, accounts, workers)


def stop(processes: list[Served]) -> None:
    """Stops the processes, then whatever they started: `serve --workers N` killed before its
    web processes answered its signal would leave them running."""
    groups = [p.process.pid for p in processes if p.process is not None]
    stop_all(processes)
    for group in groups:
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def serve(installation: Installation, processes: int) -> Served:
    port = free_port()
    log_path = installation.data_dir / "serve.log"
    arguments = ["serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if processes > 1:
        arguments += ["--workers", str(processes)]
    return Served(_start(installation, arguments, log_path), port, log_path)


def worker(installation: Installation, number: int) -> Served:
    log_path = installation.data_dir / f"worker-{number}.log"
    return Served(_start(installation, ["worker"], log_path), 0, log_path)


def _start(
    installation: Installation, arguments: list[str], log_path: Path
) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            installation.command(*arguments),
            cwd=PROJECT,
            env=installation.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a process group of its own, which `stop` ends whole
        )
