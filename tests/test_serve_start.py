"""A new `onboarding serve` process (one web process, the embedded mail worker on, the demo
loaded) whose very first requests are wizard and backoffice pages arriving together: each
answers as it would later, the home page answers beside them, and nothing goes wrong in the
log. The wizards' and the backoffice's routes come into the app on first need or once the first
page is answered (app/warm_up.py); these requests reach it before either."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.serving import PROJECT, Installation, Served, wait_until

LOGIN_TITLE = "Connexion au backoffice"
WIZARD = "/inscription/26C03S1"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    installation = Installation(
        tmp_path / "var", settings={"ONBOARDING_SECRET_KEY": "serve-start-test-not-for-production"}
    )
    installation.run("demo", str(PROJECT / "demo" / "onboarding.yaml"))
    server = installation.serve()
    try:
        yield server
    finally:
        server.stop()


def listening(server: Served) -> bool:
    """The port accepts connections (no request is sent: the first one is the test's)."""
    if server.process is not None and server.process.poll() is not None:
        raise RuntimeError(f"onboarding serve stopped:\n{server.log()}")
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return True
    except OSError:
        return False


def get(server: Served, path: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("location") or "", response.read().decode()
    finally:
        connection.close()


def test_a_new_server_may_first_be_asked_for_wizard_and_backoffice_pages(served: Served) -> None:
    wait_until(lambda: listening(served), "the server to listen", timeout=120)
    paths = ["/backoffice/connexion", "/backoffice/onboarding/demandes", WIZARD, "/"] * 2
    start = threading.Barrier(len(paths))

    def first(path: str) -> tuple[int, str, str]:
        start.wait()
        return get(served, path)

    with ThreadPoolExecutor(len(paths)) as pool:
        answers = list(pool.map(first, paths))
    for path, (status, location, page) in zip(paths, answers, strict=True):
        if path == "/backoffice/connexion":
            assert status == 200 and LOGIN_TITLE in page, (path, status)
        elif path == WIZARD:
            assert status == 200 and "<form" in page, (path, status)
        elif path == "/":
            assert status == 200, (path, status)
        else:  # logged out: to the login page, with the way back
            assert status == 303, (path, status)
            assert location.startswith("/backoffice/connexion?suite="), location
    assert get(served, "/backoffice/onboarding/nulle-part")[0] == 404
    assert get(served, f"{WIZARD}/etape/nulle-part")[0] == 404
    log = served.log()
    assert "Traceback" not in log and "ERROR" not in log, log
