"""Benchmark of start-up: from `onboarding serve` to the first 200, against a bare uvicorn app.

Each side is a new process started by this script; the clock runs from just before the
process is spawned until the first answer 200 to `GET /` (polled every 5 ms with a plain
socket client, so no client library is timed):

* product: `onboarding serve --port P --log-level warning` on a data folder prepared beforehand
  (database migrated and the demo data loaded by one untimed `serve` and `onboarding demo`),
  so every timed start finds what a restarted server finds: the database up to date and the
  template facts of the workflows kept in `var/cache`. The embedded mail worker is on, as by
  default. `--cold-cache` removes the kept template facts before each start.
* baseline: `python bench/startup_bench.py --bare --port P`: a FastAPI app with one route
  answering a short HTML page, served by `uvicorn.run` with the same options (one process,
  log level warning, no access log).

The sides run interleaved, `--rounds` starts each (default 7). Reported: median and min-max
of the time to the first 200, the ratio product / baseline, the CPU time the process used
until then (user + system, from /proc), and the CPU used meanwhile by other processes.

Run from the project root:  .venv/bin/python bench/startup_bench.py [--rounds 7] [--cold-cache]
Writes only in a temporary directory, removed at the end."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AIM_SECONDS = 1.0
TICK = os.sysconf("SC_CLK_TCK")
BUSY_WARNING = 25.0  # % of one core used by other processes


def bare_app(port: int) -> None:
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return "<!doctype html><title>Accueil</title><h1>Inscriptions</h1>"

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status_of(port: int) -> int | None:
    """The status of `GET /`, or None when nothing answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            head = connection.recv(64)
    except OSError:
        return None
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICK


@dataclass
class Start:
    seconds: float
    cpu: float
    other_percent: float


def time_start(command: list[str], port: int, env: dict[str, str], log: Path) -> Start:
    busy_before = machine_busy()
    with log.open("a") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{command} stopped:\n{log.read_text(errors='replace')}")
            status = status_of(port)
            if status == 200:
                seconds = time.perf_counter() - started
                break
            if status is not None:
                raise SystemExit(f"{command}: GET / answered {status}")
            if time.perf_counter() - started > 60:
                raise SystemExit(f"{command}: no answer within 60 s")
            time.sleep(0.005)
        cpu = process_cpu(process.pid)
        other = max(machine_busy() - busy_before - cpu, 0.0) / seconds * 100
        return Start(seconds, cpu, other)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cold-cache", action="store_true", help="no kept template facts")
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        bare_app(args.port)
        return 0
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="startup_bench_"))
    try:
        env = dict(os.environ)
        env.update(
            ONBOARDING_DATA_DIR=str(workdir / "var"),
            ONBOARDING_PROJECT_DIR=str(ROOT),
            ONBOARDING_SMTP_HOST="",
        )
        env.pop("ONBOARDING_DATABASE_URL", None)
        log = workdir / "servers.log"
        onboarding = [sys.executable, "-m", "app.cli"]
        subprocess.run(
            [*onboarding, "demo", str(ROOT / "demo" / "onboarding.yaml")],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        product: list[Start] = []
        bare: list[Start] = []
        # One untimed start of each: the files they read are then in the page cache.
        sides = (("product", product), ("bare", bare))
        for number in range(args.rounds + 1):
            for name, results in sides:
                port = free_port()
                if name == "product":
                    if args.cold_cache:
                        shutil.rmtree(workdir / "var" / "cache", ignore_errors=True)
                    command = [*onboarding, "serve", "--port", str(port), "--log-level", "warning"]
                else:
                    command = [sys.executable, str(Path(__file__).resolve()), "--bare"]
                    command += ["--port", str(port)]
                start = time_start(command, port, env, log)
                if number:
                    results.append(start)
                label = "warm-up" if number == 0 else f"round {number}"
                print(
                    f"  {label:<8} {name:<8} {start.seconds:6.3f} s to the first 200"
                    f"  cpu {start.cpu:5.2f} s  other load {start.other_percent:3.0f}%",
                    flush=True,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print()
    print(f"{'side':<34} {'median s':>9} {'min-max':>13} {'cpu s':>6} {'other load':>10}")
    for label, results in (
        ("onboarding serve" + (" (no kept facts)" if args.cold_cache else ""), product),
        ("bare uvicorn + FastAPI", bare),
    ):
        seconds = [r.seconds for r in results]
        print(
            f"{label:<34} {median(seconds):9.3f} {min(seconds):6.3f}-{max(seconds):<6.3f}"
            f" {median([r.cpu for r in results]):6.2f}"
            f" {median([r.other_percent for r in results]):9.0f}%"
        )
    ratio = median([r.seconds for r in product]) / median([r.seconds for r in bare])
    product_median = median([r.seconds for r in product])
    verdict = "met" if product_median < AIM_SECONDS else "MISSED"
    print(f"\nproduct / bare: {ratio:.2f}; aim: under {AIM_SECONDS:g} s: {verdict}")
    if max(r.other_percent for r in product + bare) > BUSY_WARNING:
        print(f"warning: other processes used over {BUSY_WARNING:.0f} % of a core: noisy figures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
