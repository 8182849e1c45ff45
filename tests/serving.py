"""The product run as its users run it: `onboarding` commands in child processes on one data
folder and one database, and `onboarding serve` processes on free ports of 127.0.0.1.

Shared by the browser tests (one served app), the concurrency tests (several web processes
on one database) and the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

PROJECT = Path(__file__).resolve().parents[1]

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(probe: Callable[[], T | None], what: str, timeout: float = 20.0) -> T:
    """Polls `probe` until it returns something truthy; fails with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


@dataclass
class Installation:
    """One installation of the product: a data folder, a database (the data folder's SQLite
    file when no URL is given) and the settings every command of it runs with."""

    data_dir: Path
    database_url: str = ""
    settings: Mapping[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("ONBOARDING_")}
        env.update(ONBOARDING_PROJECT_DIR=str(PROJECT), ONBOARDING_DATA_DIR=str(self.data_dir))
        if self.database_url:
            env["ONBOARDING_DATABASE_URL"] = self.database_url
        env.update(self.settings)
        return env

    def command(self, *arguments: str) -> list[str]:
        return [sys.executable, "-m", "app.cli", *arguments]

    def run(self, *arguments: str, timeout: float = 120) -> str:
        """`onboarding ARGUMENTS`; its output, or an error with what it said."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            self.command(*arguments),
            cwd=PROJECT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"onboarding {' '.join(arguments)} failed:\n{done.stderr}")
        return done.stdout

    def serve(self, name: str = "serve", log_level: str = "info") -> Served:
        """Starts `onboarding serve` on a free port; its output goes to `<name>.log`."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        log_path = self.data_dir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                self.command(
                    "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", log_level
                ),
                cwd=PROJECT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return Served(process, port, log_path)


@dataclass
class Served:
    """One `onboarding serve` process."""

    process: subprocess.Popen[bytes] | None
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def wait_ready(self, timeout: float = 120.0) -> None:
        wait_until(self._ready, f"the app on {self.base_url}", timeout=timeout)

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"onboarding serve stopped:\n{self.log()}")
        try:
            # The first page of a new process compiles its templates: on a busy machine that
            # takes seconds, and a probe that gives up sooner only queues more work.
            with urllib.request.urlopen(self.url("/"), timeout=15) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        stop_all([self])


def stop_all(servers: Sequence[Served], grace: float = 5.0) -> None:
    """Asks every process to stop, then kills those still running after `grace` seconds (a
    process whose event loop is stalled never handles the request)."""
    running = [s.process for s in servers if s.process is not None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for served in servers:
        served.process = None
