"""A registration opening played against the served product, then checked.

Sets up a fresh data folder and database (SQLite: one `onboarding serve` with its embedded mail
worker; PostgreSQL: `serve --workers 2` and two `onboarding worker` processes), an SMTP sink in
a process of its own, and runs Locust headless as a child process with `locustfile.py`:
applicants arriving over the given minutes, operators working meanwhile. Then it waits for the
outbox to empty and reports p50 / p95 / p99 per page, the failures, the mails (all delivered,
once each) and the seats (never over capacity, sampled during the run). It exits 1 on any
failed request, broken journey, lost or duplicated mail, or overbooking.

From the project root:

    .venv/bin/python bench/load/run.py                                  # 500 over 10 min, SQLite
    .venv/bin/python bench/load/run.py --backend postgresql
    .venv/bin/python bench/load/run.py --applicants 30 --minutes 0.5 --think 0.05   # short
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from checks import (  # noqa: E402
    SeatWatch,
    check_mails,
    failures,
    page_figures,
    queued_mails,
    seats_taken,
    states_of,
)
from stack import Shape, Stack, running  # noqa: E402

from engine.store.db import make_engine  # noqa: E402
from tests.concurrency.cluster import errors_logged  # noqa: E402
from tests.databases import postgres_database  # noqa: E402

CODE = "OUVERTURE"
SHAPES = {"sqlite": Shape(web_processes=1, mail_workers=0), "postgresql": Shape(2, 2)}


def main() -> int:
    arguments = parse_arguments()
    seats = arguments.seats or max(5, arguments.applicants // 4)
    folder = Path(tempfile.mkdtemp(prefix="onboarding-load-"))
    urls = postgres_database() if arguments.backend == "postgresql" else iter([""])
    try:
        url = next(urls)
        with running(
            folder / "data", url, SHAPES[arguments.backend], CODE, seats, arguments.operators
        ) as stack:
            report = play(stack, arguments, seats, folder)
    finally:
        list(urls)  # drops the PostgreSQL database
        if not arguments.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept: {folder}")
    print_report(report)
    if arguments.json:
        arguments.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0 if report["passed"] else 1


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=sorted(SHAPES), default="sqlite")
    parser.add_argument("--applicants", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10.0, help="arrivals spread over")
    parser.add_argument("--think", type=float, default=1.0, help="pause scale (1: a person)")
    parser.add_argument("--seats", type=int, default=0, help="default: a quarter of them")
    parser.add_argument("--operators", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path, help="write the report there too")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and logs")
    return parser.parse_args()


def play(stack: Stack, arguments: argparse.Namespace, seats: int, folder: Path) -> dict:
    db = make_engine(stack.installation.database_url or sqlite_url(stack))
    outcomes_path = folder / "outcomes.json"
    started = time.monotonic()
    with SeatWatch(db, CODE) as seats_watch:
        locust = run_locust(stack, arguments, outcomes_path, folder)
        drained = wait_drained(db)
    elapsed = time.monotonic() - started
    mails = check_mails(db, stack.mail_folder)
    outcome = json.loads(outcomes_path.read_text()) if outcomes_path.exists() else {}
    applicants = outcome.get("applicants", [])
    pages = page_figures(folder / "locust_stats.csv")
    failed = failures(folder / "locust_failures.csv")
    broken = [a for a in applicants if a["broken"]]
    total = next((p for p in pages if p.name == "all"), None)
    report = {
        "backend": arguments.backend,
        "applicants": arguments.applicants,
        "minutes": arguments.minutes,
        "think": arguments.think,
        "seats": seats,
        "seconds": round(elapsed, 1),
        "locust_exit": locust,
        "requests": total.count if total else 0,
        "failures": sum(p.failures for p in pages if p.name != "all"),
        "failure_kinds": [
            f"{f['Occurrences']} x {f['Method']} {f['Name']}: {f['Error'][:160]}" for f in failed
        ],
        "broken_journeys": len(broken),
        "plans": dict(Counter(a["plan"] for a in applicants)),
        "submitted": sum(a["submitted"] for a in applicants),
        "confirmed": dict(Counter(a["confirmed"] for a in applicants if a["confirmed"])),
        "followed": sum(a["followed"] for a in applicants),
        "cancelled": sum(a["cancelled"] for a in applicants),
        "refused_firings": outcome.get("refused_firings", {}),
        "states": states_of(db, CODE),
        "seats_highest": seats_watch.highest,
        "seats_samples": seats_watch.samples,
        "seats_at_end": seats_taken(db, CODE),
        "outbox_drained": drained,
        "mails": asdict(mails),
        "server_errors": {name: errors_logged(log) for name, log in stack.logs().items()},
        "pages": [asdict(p) for p in pages],
    }
    db.dispose()
    report["passed"] = bool(
        report["failures"] == 0
        and not broken
        and len(applicants) == arguments.applicants
        and mails.ok
        and drained
        and seats_watch.highest <= seats
    )
    return report


def sqlite_url(stack: Stack) -> str:
    return f"sqlite:///{(stack.installation.data_dir / 'onboarding.sqlite3').as_posix()}"


def run_locust(stack: Stack, arguments: argparse.Namespace, outcomes: Path, folder: Path) -> int:
    """Locust in a child process (it patches the standard library with gevent): applicants
    spawned at the arrival rate, the operators first; it stops itself when the last applicant
    is done, or at the time limit."""
    users = arguments.applicants + arguments.operators
    rate = arguments.applicants / max(1.0, arguments.minutes * 60)
    ceiling = math.ceil(arguments.minutes * 60 + 600 * arguments.think + 300)
    env = {
        **os.environ,
        "LOAD_APPLICANTS": str(arguments.applicants),
        "LOAD_SESSION": CODE,
        "LOAD_THINK": str(arguments.think),
        "LOAD_MAIL_FOLDER": str(stack.mail_folder),
        "LOAD_OPERATORS": "\n".join(f"{email} {password}" for email, password in stack.operators),
        "LOAD_OUTCOMES": str(outcomes),
        "LOAD_SEED": str(arguments.seed),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
        "--host", stack.served.base_url, "-u", str(users), "-r", f"{max(rate, 0.01):.4f}",
        "--run-time", f"{ceiling}s", "--stop-timeout", "10", "--csv", str(folder / "locust"),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    with (folder / "locust.log").open("wb") as log:
        done = subprocess.run(command, cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
    return done.returncode


def wait_drained(db: object, timeout: float = 120.0) -> bool:
    """Waits for the workers to send every mail still queued."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if queued_mails(db) == 0:  # type: ignore[arg-type]
            time.sleep(1.0)  # the last SMTP answer written by the sink
            return True
        time.sleep(0.5)
    return False


def print_report(report: dict) -> None:
    print(
        f"{report['backend']}: {report['applicants']} applicants over {report['minutes']} min "
        f"(pauses x{report['think']}), {report['seats']} seats, {report['seconds']} s in all"
    )
    print(f"{'page':76} {'count':>6} {'fail':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)")
    for page in report["pages"]:
        print(
            f"{page['name'][:76]:76} {page['count']:6d} {page['failures']:5d} "
            f"{page['p50']:7.0f} {page['p95']:7.0f} {page['p99']:7.0f} {page['highest']:7.0f}"
        )
    mails = report["mails"]
    print(
        f"requests {report['requests']}, failures {report['failures']}, broken journeys "
        f"{report['broken_journeys']}; plans {report['plans']}, submitted {report['submitted']}, "
        f"confirmed {report['confirmed']}, followed {report['followed']}, "
        f"cancelled {report['cancelled']}; refused firings {report['refused_firings']}"
    )
    for kind in report["failure_kinds"]:
        print(f"  failure: {kind}")
    print(
        f"mails: {mails['in_outbox']} in the outbox, {mails['received']} received, "
        f"lost {len(mails['lost'])}, duplicated {len(mails['duplicated'])}, "
        f"unknown {len(mails['unknown'])}, failed {mails['failed']}, "
        f"outbox drained: {report['outbox_drained']}"
    )
    print(
        f"seats: at most {report['seats_highest']} of {report['seats']} taken "
        f"({report['seats_samples']} samples), {report['seats_at_end']} at the end; "
        f"states {report['states']}"
    )
    print(f"server logs: {report['server_errors']}")
    print("PASSED" if report["passed"] else "FAILED")


if __name__ == "__main__":
    sys.exit(main())
