"""`onboarding serve --workers 2`, a real server in a child process: two web processes answer
on one port, each building its app from the environment; `/metrics` adds up the requests of
both; the embedded mail worker runs once; the log is JSON lines with no path's token nor
query string (uvicorn's own access log is off). And `onboarding worker --metrics-port`
serves that worker's counters."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.web.smtp import free_port

PROJECT = Path(__file__).resolve().parents[1]
TOKEN = "ImNhbmFyeSI.canary-token-4f9a"
SEARCHED = "Quenouillard"


def fetch(url: str) -> tuple[int, str]:
    """Status and body; a new connection each time, as separate visitors make."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def answers(url: str) -> bool:
    try:
        return fetch(url)[0] == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def healthz_requests(metrics: str) -> float:
    return sum(
        found.value
        for family in text_string_to_metric_families(metrics)
        for found in family.samples
        if found.name == "onboarding_http_requests_total" and found.labels["route"] == "/healthz"
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ONBOARDING_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        ONBOARDING_PROJECT_DIR=str(PROJECT),
        ONBOARDING_DATA_DIR=str(tmp_path),
        ONBOARDING_SECRET_KEY="serve-workers-test-secret-not-for-production",
        ONBOARDING_LOG_FORMAT="json",
    )
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90

        def both_up() -> bool:
            started = log.read_text().count("Application startup complete")
            return started == 2 and answers(f"{base}/readyz")

        while not both_up():
            assert process.poll() is None, f"serve stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"serve did not answer:\n{log.read_text()}"
            time.sleep(0.2)
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_with_two_workers_answers_and_adds_up_their_metrics(served) -> None:
    base, log = served
    assert fetch(f"{base}/")[0] == 200  # the home page, from an app built from the environment
    for _ in range(4):  # the backoffice's routes, which each process includes as it warms up
        status, page = fetch(f"{base}/backoffice/connexion")
        assert status == 200 and "Connexion au backoffice" in page
    fetch(f"{base}/liens/confirm_email/{TOKEN}?q={SEARCHED}")
    for _ in range(6):
        assert fetch(f"{base}/healthz") == (200, '{"status":"ok"}')
    # Whichever process answered each probe, the scrape counts all six. A request is counted
    # once its answer has gone out, so the last one may reach the count a moment after the
    # client has read it: scrape again for a while, as Prometheus would at its next round.
    deadline = time.monotonic() + 10
    while True:
        status, metrics = fetch(f"{base}/metrics")
        assert status == 200
        if healthz_requests(metrics) >= 6 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert healthz_requests(metrics) == 6
    assert TOKEN not in metrics and SEARCHED not in metrics

    text = log.read_text()
    started = set(re.findall(r"Started server process \[(\d+)\]", text))
    assert len(started) == 2, text
    assert text.count("mails are delivered by the embedded worker") == 1
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [e for e in entries if e["logger"] == "onboarding.access"]
    assert {"/", "/liens/{link_id}/{token}"} <= {e["route"] for e in access}
    assert all(e["request_id"] and e["duration_ms"] >= 0 for e in access)
    assert TOKEN not in text and SEARCHED not in text and "?q=" not in text


def test_a_worker_process_serves_its_own_counters(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ONBOARDING_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        ONBOARDING_PROJECT_DIR=str(PROJECT),
        ONBOARDING_DATA_DIR=str(tmp_path),
        ONBOARDING_SECRET_KEY="worker-metrics-test-secret-not-for-production",
        ONBOARDING_WORKER_POLL_SECONDS="0.1",
    )
    command = [sys.executable, "-m", "app.cli", "worker", "--metrics-port", str(port)]
    process = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/metrics"

    def rounds() -> float:
        if not answers(url):
            return 0
        for family in text_string_to_metric_families(fetch(url)[1]):
            for found in family.samples:
                if found.name == "onboarding_worker_rounds_total":
                    return found.value
        return 0

    try:
        deadline = time.monotonic() + 60
        while rounds() < 2:  # rounds go on, counted by the worker that ran them
            assert process.poll() is None, "the worker stopped"
            assert time.monotonic() < deadline, "no worker rounds counted"
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_connection_left_idle_for_a_while_still_answers(served) -> None:
    """A browser or a reverse proxy keeps its connection open between requests and reuses it;
    the server must not close it under them after a pause of a few seconds (the request sent
    at that moment would get no answer at all)."""
    base, _ = served
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    try:
        connection.request("GET", "/healthz")
        first = connection.getresponse()
        assert first.status == 200 and first.read()
        time.sleep(7)  # longer than uvicorn's own keep-alive of 5 s
        connection.request("GET", "/healthz")
        again = connection.getresponse()
        assert again.status == 200 and again.read() == b'{"status":"ok"}'
    finally:
        connection.close()
