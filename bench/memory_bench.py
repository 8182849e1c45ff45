"""The memory of one `onboarding serve` process over 100,000 mixed requests: does it stay flat?

One web process (the demo data, a submitted request, no mail worker in it) answers clients
that each play a person with a browser of their own, in a loop of ten requests: the home page,
the wizard's start page (a redirect to the draft's step), the "trainee" step read and sent, the
"mandate" step read and sent (each send validates and saves the draft), then the backoffice's
queue, a request's page, the overview and the notifications, logged in as an administrator.
The process's resident memory (VmRSS) is read every `--every` requests.

Printed: RSS after the warm-up and at the end, the growth over the measured requests, the
least-squares slope in bytes per request, and whether the growth is flat (under 1 MiB over the
measured part and under 10 bytes per request), with every sample. Answers other than the
expected status are counted; any makes the exit code 1.

    .venv/bin/python bench/memory_bench.py                      # 100,000 requests, SQLite
    .venv/bin/python bench/memory_bench.py --backend postgresql --requests 20000
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.concurrency.cluster import ADMIN_EMAIL, ADMIN_PASSWORD, CODE, install  # noqa: E402
from tests.concurrency.people import Applicant, expect  # noqa: E402
from tests.databases import postgres_database  # noqa: E402
from tests.serving import Served  # noqa: E402
from tests.web.journey import ANSWERS  # noqa: E402

START = f"/inscription/{CODE}"
DESK = "/backoffice/onboarding"
FLAT_BYTES = 1 << 20
FLAT_SLOPE = 10.0


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    expect: int
    body: str = ""


@dataclass
class Tally:
    """Requests answered so far, and the RSS samples taken along the way."""

    every: int
    pid: int
    done: int = 0
    unexpected: dict[str, int] = field(default_factory=dict)
    samples: list[tuple[int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, call: Call, status: int) -> None:
        with self.lock:
            self.done += 1
            if status != call.expect:
                key = f"{call.method} {call.path.split('?')[0]} -> {status}"
                self.unexpected[key] = self.unexpected.get(key, 0) + 1
            if self.done % self.every == 0:
                self.samples.append((self.done, rss_bytes(self.pid)))
                rss = self.samples[-1][1] / (1 << 20)
                print(f"  {self.done} requests: {rss:.1f} MiB", flush=True)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def person_calls(csrf: str, email: str, reference: str) -> list[Call]:
    """One person's loop: the wizard with their own draft, then the backoffice."""
    trainee = {**ANSWERS["trainee"], "email": email, "email__confirm": email}
    return [
        Call("GET", "/", 200),
        Call("GET", START, 303),
        Call("GET", f"{START}/etape/trainee", 200),
        Call("POST", f"{START}/etape/trainee", 303, form(trainee, csrf)),
        Call("GET", f"{START}/etape/mandate", 200),
        Call("POST", f"{START}/etape/mandate", 303, form(ANSWERS["mandate"], csrf)),
        Call("GET", f"{DESK}/demandes", 200),
        Call("GET", f"{DESK}/demandes/{reference}", 200),
        Call("GET", f"{DESK}/vue-ensemble", 200),
        Call("GET", f"{DESK}/notifications", 200),
    ]


def form(answers: dict[str, str], csrf: str) -> str:
    return urlencode({**answers, "_nav": "next", "_csrf": csrf})


def prepare_person(base_url: str, number: int, reference: str) -> tuple[str, list[Call]]:
    """A draft up to the trainee step and an administrator's login in one browser; returns its
    cookies as a header and its loop."""
    person = Applicant(base_url, CODE, f"memoire.{number}@example.org")
    person.begin()
    person.fill_until("establishment")
    expect(person.get("/backoffice/connexion"), 200, "the login page")
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    expect(person.post("/backoffice/connexion", login), 303, "the administrator's login")
    # Logging in starts a new browser session, with a CSRF token of its own.
    expect(person.get(f"{START}/etape/trainee"), 200, "the trainee step")
    cookies = "; ".join(f"{c.name}={c.value}" for c in person.http.cookies.jar)
    calls = person_calls(person.csrf, person.email, reference)
    person.close()
    return cookies, calls


def play(port: int, cookies: str, calls: list[Call], tally: Tally, stop_at: int) -> None:
    """Sends the loop over one kept-alive connection until `stop_at` requests are done."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookies}
    posted = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        while True:
            for call in calls:
                if tally.done >= stop_at:
                    return
                body = call.body.encode() if call.body else None
                connection.request(call.method, call.path, body, posted if body else headers)
                response = connection.getresponse()
                response.read()
                tally.count(call, response.status)
    finally:
        connection.close()


def run_clients(served: Served, people: list[tuple[str, list[Call]]], tally: Tally, n: int) -> None:
    threads = [
        threading.Thread(target=play, args=(served.port, cookies, calls, tally, n), daemon=True)
        for cookies, calls in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def slope(samples: list[tuple[int, int]]) -> float:
    """Least-squares bytes per request."""
    if len(samples) < 2:
        return 0.0
    xs, ys = [s[0] for s in samples], [s[1] for s in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        yield ""
        return
    urls = postgres_database()
    try:
        yield next(urls)
    finally:
        list(urls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=10_000, help="left out of the slope")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--every", type=int, default=5_000, help="RSS sampled every N requests")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="onboarding-memory-") as folder, database(
        arguments.backend
    ) as url:
        installation = install(Path(folder) / "data", url)
        served = installation.serve("memory", log_level="warning")
        try:
            served.wait_ready()
            assert served.process is not None
            submitted = Applicant(served.base_url, CODE, "memoire.envoyee@example.org")
            submitted.send_request()
            reference = f"{CODE}-0001"
            people = [
                prepare_person(served.base_url, number, reference)
                for number in range(arguments.connections)
            ]
            tally = Tally(arguments.every, served.process.pid)
            tally.samples.append((0, rss_bytes(tally.pid)))
            started = time.monotonic()
            run_clients(served, people, tally, arguments.requests)
            elapsed = time.monotonic() - started
            cpu = process_cpu_seconds(served.process.pid)
        finally:
            served.stop()
    report(arguments, tally, elapsed, cpu)
    return 1 if tally.unexpected else 0


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(arguments: argparse.Namespace, tally: Tally, elapsed: float, cpu: float) -> None:
    measured = [s for s in tally.samples if s[0] >= arguments.warmup]
    mib = 1 << 20
    print(
        f"{arguments.backend}: {tally.done} requests over {arguments.connections} connections "
        f"in {elapsed:.0f} s ({tally.done / elapsed:.0f} req/s), server CPU "
        f"{cpu * 1000 / max(1, tally.done):.2f} ms per request (set-up included)"
    )
    print("requests   RSS (MiB)")
    for done, rss in tally.samples:
        print(f"{done:8d}   {rss / mib:8.1f}")
    if len(measured) >= 2:
        growth = measured[-1][1] - measured[0][1]
        per_request = slope(measured)
        flat = abs(growth) < FLAT_BYTES and abs(per_request) < FLAT_SLOPE
        print(
            f"after the warm-up ({measured[0][0]} requests): {measured[0][1] / mib:.1f} MiB; at "
            f"the end: {measured[-1][1] / mib:.1f} MiB; growth {growth / mib:+.2f} MiB over "
            f"{measured[-1][0] - measured[0][0]} requests; slope {per_request:+.1f} bytes per "
            f"request: {'flat' if flat else 'GROWING'}"
        )
    print(f"unexpected answers: {tally.unexpected or 'none'}")


if __name__ == "__main__":
    sys.exit(main())
