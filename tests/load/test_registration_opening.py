"""A short registration opening, played by bench/load/run.py against the served product on
SQLite (one process, its embedded mail worker) and on PostgreSQL (two web processes, two mail
workers): a few dozen applicants through the whole wizard, confirming from their mail, with
operators validating meanwhile. Locust runs in a child process of the runner: it patches the
standard library with gevent, which must stay out of this process.

Selected with `-m load`, left out with `-m "not load"`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving import PROJECT

APPLICANTS = 30
SEATS = 6


@pytest.mark.load
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_short_registration_opening(backend: str, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    command = [
        sys.executable, str(PROJECT / "bench" / "load" / "run.py"),
        "--backend", backend, "--applicants", str(APPLICANTS), "--seats", str(SEATS),
        "--minutes", "0.5", "--think", "0.05", "--json", str(report_path),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert report_path.exists(), f"no report:\n{done.stdout}\n{done.stderr}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    told = done.stdout[-4000:]

    # Every page answered as expected, and every applicant went as far as they meant to.
    assert report["failures"] == 0, told
    assert report["broken_journeys"] == 0, told
    assert sum(report["plans"].values()) == APPLICANTS, told
    # Every request sent was confirmed from its mail: seats first, then the waiting list.
    assert report["submitted"] > SEATS, told
    assert sum(report["confirmed"].values()) == report["submitted"], told
    assert report["confirmed"].get("waiting_list", 0) > 0, told
    # Seats: never more taken than the session has, whenever they were counted; nobody was
    # told they had a seat beyond them (a cancelled request gives its seat back).
    assert report["seats_highest"] <= SEATS and report["seats_at_end"] <= SEATS, told
    assert report["confirmed"].get("seat", 0) <= SEATS + report["cancelled"], told
    # Mails: each one of the outbox received once, none lost, none failed.
    mails = report["mails"]
    assert mails["lost"] == [] and mails["duplicated"] == [] and mails["unknown"] == [], told
    assert mails["failed"] == 0 and report["outbox_drained"], told
    assert mails["received"] == mails["in_outbox"], told
    assert mails["by_template"]["confirm_email"] == report["submitted"], told
    assert report["passed"] and done.returncode == 0, told
