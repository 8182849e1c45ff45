"""The product under concurrent load, served as in production: `onboarding serve` processes on
one database (SQLite file or PostgreSQL), 1 or 2 of them side by side.

1. Login burst (the one of tests/concurrency/burst.py): 20 wrong-password logins (backoffice
   and applicant login pages), 20 wizard steps posted by other applicants and a backoffice PDF
   test, all sent at the same moment and spread over the processes, while the home page `/`
   is fetched over and over from each process. Printed: the home page's p50, p99 and worst
   time during the burst, the 5xx answers and the requests left unanswered (client timeout,
   `--timeout`), the slowest request of the burst, and how long until every process answers
   the home page again. Each burst runs on fresh processes.
2. Wizard step throughput: GET and POST of the "trainee" step (as bench/web_bench.py measures
   it, with its wrk scripts and its drafts) at `--connections` clients in all, split evenly
   over the processes (one wrk per process, run together): requests/s summed over the
   processes, p50 and p99 (the highest of the processes), answers other than 200 / 303.

Needs wrk (`apt-get update && apt-get install -y wrk`) for part 2, and PostgreSQL at
ONBOARDING_TEST_POSTGRES_URL (default: the local server) where it creates, then drops, a
database of its own. Run from the project root:

    .venv/bin/python bench/concurrency_bench.py
    .venv/bin/python bench/concurrency_bench.py --backends sqlite --processes 1 --no-wizard
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import web_bench  # noqa: E402

from tests.concurrency import burst as login_burst  # noqa: E402
from tests.concurrency.cluster import Cluster, install, running  # noqa: E402
from tests.concurrency.load import median, percentile  # noqa: E402
from tests.databases import postgres_database  # noqa: E402
from tests.serving import Installation  # noqa: E402

BACKENDS = ("sqlite", "postgresql")


class OtherLoad:
    """CPU used by processes other than this script, its children and the servers, in % of
    one core, while the block runs: the noise of a shared machine."""

    def __init__(self, cluster: Cluster) -> None:
        self.pids = [s.process.pid for s in cluster.servers if s.process is not None]
        self.percent = 0.0

    def _ours(self) -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        servers = sum(web_bench.process_cpu(pid) for pid in self.pids)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + servers

    def __enter__(self) -> OtherLoad:
        self._started = time.monotonic()
        self._machine, self._ours_before = web_bench.machine_cpu(), self._ours()
        return self

    def __exit__(self, *_: object) -> None:
        machine = web_bench.machine_cpu() - self._machine
        ours = self._ours() - self._ours_before
        self.percent = 100 * max(0.0, machine - ours) / (time.monotonic() - self._started)


@dataclass
class BurstFigures:
    backend: str
    processes: int
    outcome: login_burst.Outcome
    seconds: float
    other_load: float
    recovered: float | None  # seconds from the burst's start until every server answered

    def row(self) -> str:
        home = self.outcome.home_seconds
        every = [*self.outcome.answers, *self.outcome.home]
        errors = sum(1 for a in every if a.status is not None and a.status >= 500)
        missing = sum(1 for a in every if a.status is None)
        return (
            f"{self.backend:<11}{self.processes:>10}{len(home):>9}"
            f"{1000 * percentile(home, 0.5):>10.0f}{1000 * percentile(home, 0.99):>10.0f}"
            f"{max(home, default=float('nan')):>10.2f}{errors:>6}{missing:>11}"
            f"{self.outcome.slowest_request:>12.1f}{self.seconds:>9.1f}"
            f"{f'{self.recovered:.1f}' if self.recovered is not None else 'no':>13}"
            f"{f'{self.other_load:.0f}%':>12}"
        )


BURST_HEADER = (
    f"{'database':<11}{'processes':>10}{'home n':>9}{'p50 ms':>10}{'p99 ms':>10}"
    f"{'worst s':>10}{'5xx':>6}{'no answer':>11}{'slowest s':>12}{'burst s':>9}"
    f"{'recovered s':>13}{'other load':>12}"
)


@dataclass
class WizardFigures:
    backend: str
    processes: int
    method: str
    rates: list[float]
    p50_ms: list[float]
    p99_ms: list[float]
    unexpected: Counter[str]
    other_load: list[float]

    def row(self) -> str:
        bad = ", ".join(f"{k}: {n}" for k, n in sorted(self.unexpected.items())) or "none"
        return (
            f"{self.backend:<11}{self.processes:>10}  {self.method:<6}{median(self.rates):>10.0f}"
            f"{f'{min(self.rates):.0f}-{max(self.rates):.0f}':>12}"
            f"{median(self.p50_ms):>9.1f}{median(self.p99_ms):>9.1f}"
            f"{f'{median(self.other_load):.0f}%':>12}  {bad}"
        )


WIZARD_HEADER = (
    f"{'database':<11}{'processes':>10}  {'step':<6}{'req/s':>10}{'min-max':>12}"
    f"{'p50 ms':>9}{'p99 ms':>9}{'other load':>12}  unexpected answers"
)


@contextmanager
def installation(backend: str, workdir: Path) -> Iterator[Installation]:
    """The demo data and the tests' users on a new database of `backend`."""
    database = postgres_database() if backend == "postgresql" else None
    try:
        url = next(database) if database is not None else ""
        yield install(workdir / backend, url)
    finally:
        if database is not None:
            for _ in database:  # drops the database
                pass


def measure_burst(
    cluster: Cluster, backend: str, tag: str, args: argparse.Namespace
) -> BurstFigures:
    urls = [served.base_url for served in cluster.servers]
    timeout = args.timeout
    burst = login_burst.prepare(urls, tag, timeout)
    try:
        started = time.monotonic()
        with OtherLoad(cluster) as other:
            outcome = login_burst.send(burst, urls, timeout)
        seconds = time.monotonic() - started
    finally:
        burst.close()
    # Clients gave up after `timeout`; a stalled server may still be working through the
    # burst: how long until every server answers again (None: not within --recovery).
    recovered: float | None = None
    try:
        for served in cluster.servers:
            served.wait_ready(timeout=max(0.0, started + args.recovery - time.monotonic()))
        recovered = time.monotonic() - started
    except AssertionError:
        pass
    return BurstFigures(backend, len(urls), outcome, seconds, other.percent, recovered)


def measure_wizard(
    cluster: Cluster, backend: str, workdir: Path, seconds: int, runs: int, connections: int
) -> list[WizardFigures]:
    """bench/web_bench.py's step scenarios, one wrk per process, all processes at once."""
    share = max(1, connections // len(cluster.servers))
    servers = []
    for number, served in enumerate(cluster.servers):
        assert served.process is not None
        server = web_bench.Server("product", served.port, workdir, served.log_path, served.process)
        web_bench.prepare_clients(server, share)
        servers.append((number, server))
    figures = []
    for method in ("GET", "POST"):
        scenarios = []
        for number, server in servers:
            script = workdir / f"{backend}-{len(servers)}-{number}-{method}.lua"
            web_bench.write_wrk_script(script, method, server.clients)
            scenarios.append((server, web_bench.Scenario("product", method, script)))
        expected = 200 if method == "GET" else 303
        result = WizardFigures(backend, len(servers), method, [], [], [], Counter(), [])
        for run in range(runs + 1):  # the first run warms up and is not counted
            with OtherLoad(cluster) as other:
                outcomes = together(scenarios, min(2, seconds) if run == 0 else seconds, share)
            if run == 0:
                continue
            result.other_load.append(other.percent)
            result.rates.append(sum(o.rate for o in outcomes))
            result.p50_ms.append(max(o.p50_ms for o in outcomes))
            result.p99_ms.append(max(o.p99_ms for o in outcomes))
            for outcome in outcomes:
                for status, count in outcome.statuses.items():
                    if status != expected:
                        result.unexpected[str(status)] += count
                if outcome.socket_errors:
                    result.unexpected["socket errors"] += outcome.socket_errors
        figures.append(result)
    return figures


def together(
    scenarios: list[tuple[web_bench.Server, web_bench.Scenario]], seconds: int, connections: int
) -> list[web_bench.Result]:
    """One wrk per process, started together; their results."""
    outcomes: list[web_bench.Result] = []

    def one(server: web_bench.Server, scenario: web_bench.Scenario) -> None:
        outcomes.append(web_bench.run_wrk(server, scenario, seconds, connections, False))

    threads = [threading.Thread(target=one, args=pair) for pair in scenarios]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgresql")
    parser.add_argument("--processes", default="1,2", help="web processes per run: 1,2")
    parser.add_argument("--bursts", type=int, default=1, help="bursts per configuration")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds a client waits for an answer"
    )
    parser.add_argument(
        "--recovery",
        type=float,
        default=180.0,
        help="seconds from a burst's start to wait for every server to answer again",
    )
    parser.add_argument("--no-wizard", action="store_true", help="the login burst only")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wizard run")
    parser.add_argument("--runs", type=int, default=2, help="wizard runs per scenario")
    parser.add_argument("--connections", type=int, default=32, help="wizard clients in all")
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    counts = [int(n) for n in args.processes.split(",") if n]
    if set(backends) - set(BACKENDS) or not counts or min(counts) < 1 or args.bursts < 1:
        parser.error("--backends takes sqlite,postgresql; --processes and --bursts, 1 or more")
    if not args.no_wizard and shutil.which("wrk") is None:
        print("wrk is not installed: apt-get update && apt-get install -y wrk", file=sys.stderr)
        return 2

    started = time.monotonic()
    print(
        f"concurrency_bench: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load"
        f" average {os.getloadavg()[0]:.1f} at start; burst client timeout {args.timeout:g} s",
        flush=True,
    )
    bursts: list[BurstFigures] = []
    wizard: list[WizardFigures] = []
    workdir = Path(tempfile.mkdtemp(prefix="concurrency_bench_"))
    try:
        for backend in backends:
            with installation(backend, workdir) as installed:
                for count in counts:
                    if not args.no_wizard:
                        with running(installed, count, f"wizard-{count}") as cluster:
                            for row in measure_wizard(
                                cluster,
                                backend,
                                workdir,
                                args.duration,
                                args.runs,
                                args.connections,
                            ):
                                print(f"wizard: {row.row()}", flush=True)
                                wizard.append(row)
                    # Each burst on servers of its own: one may leave them stalled for long.
                    for number in range(args.bursts):
                        with running(installed, count, f"burst-{count}-{number}") as cluster:
                            tag = f"bench{count}x{number}"
                            figures = measure_burst(cluster, backend, tag, args)
                            print(f"burst: {figures.row()}", flush=True)
                            bursts.append(figures)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("Login burst (20 wrong-password logins, 20 wizard steps, 1 PDF test, all at once);")
    print("the home page fetched meanwhile, one request after another from each process:")
    print(BURST_HEADER)
    print("-" * len(BURST_HEADER))
    for figures in bursts:
        print(figures.row())
    if wizard:
        print()
        print(
            f"Wizard step 'trainee', {args.connections} clients split over the processes,"
            f" {args.runs} x {args.duration} s (medians; req/s summed over the processes):"
        )
        print(WIZARD_HEADER)
        print("-" * len(WIZARD_HEADER))
        for row in wizard:
            print(row.row())
    print(
        "other load: CPU used meanwhile by other processes than this script, wrk and the"
        " servers, in % of one core"
    )
    print(
        f"\nTotal time {time.monotonic() - started:.0f} s;"
        f" load average {os.getloadavg()[0]:.1f} at the end"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
