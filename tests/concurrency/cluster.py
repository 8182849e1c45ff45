"""Several web processes of one installation: the product as it runs in production, behind a
load balancer, on one database. Every process signs with the same secret key, so a link
mailed by one opens on another; none runs the mail worker (the test delivers mails when it
wants them, with `onboarding worker --once`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.serving import PROJECT, Installation, Served, stop_all

SECRET_KEY = "concurrency-tests-secret-not-for-production"

# A session of its own for the seats test: 20 seats, far enough in the future to stay open.
SEATS_CODE = "CONC20"
SEATS = 20
SEED = f"""\
workflow: onboarding
sessions:
  - code: {SEATS_CODE}
    title: "Session de {SEATS} places"
    starts_at: 2030-03-01 09:00
    ends_at: 2030-03-01 17:00
    place: Lyon
    capacity: {SEATS}
"""
# The demo's session, where the wizard and login pages of the bursts are.
CODE = "26C03S1"

ADMIN_EMAIL = "administration@concurrence.example"
ADMIN_PASSWORD = "Administration-concurrence-2026"
MANAGER_EMAIL = "gestion@concurrence.example"
MANAGER_PASSWORD = "Gestion-concurrence-2026"


def install(data_dir: Path, database_url: str = "", smtp_port: int = 0) -> Installation:
    """The demo data, the seats test's session and two backoffice users, on a new database."""
    settings = {"ONBOARDING_SECRET_KEY": SECRET_KEY, "ONBOARDING_EMBEDDED_WORKER": "false"}
    if smtp_port:
        settings.update(ONBOARDING_SMTP_HOST="127.0.0.1", ONBOARDING_SMTP_PORT=str(smtp_port))
    installation = Installation(data_dir, database_url, settings)
    data_dir.mkdir(parents=True, exist_ok=True)
    seed = data_dir / "concurrency-seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    installation.run("demo", str(PROJECT / "demo" / "onboarding.yaml"), str(seed))
    for email, role, password in (
        (ADMIN_EMAIL, "admin", ADMIN_PASSWORD),
        (MANAGER_EMAIL, "registration_manager", MANAGER_PASSWORD),
    ):
        installation.run("user", "create", email, "--role", role, "--password", password)
    return installation


@dataclass
class Cluster:
    installation: Installation
    servers: list[Served]

    def server(self, number: int) -> Served:
        """The servers taken in turn, as a round-robin load balancer would."""
        return self.servers[number % len(self.servers)]

    def logs(self) -> str:
        """What went wrong on the servers: the distinct errors their logs end tracebacks with."""
        return "\n".join(f"{s.log_path.name}: {errors_logged(s.log())}" for s in self.servers)


def errors_logged(log: str) -> str:
    lines = log.splitlines()
    errors: Counter[str] = Counter()
    for number, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = number + 1
            while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
                end += 1
            if end < len(lines):
                errors[lines[end][:200]] += 1
    return "; ".join(f"{n} x {error}" for error, n in errors.most_common(5)) or "no error"


@contextmanager
def running(installation: Installation, count: int, name: str) -> Iterator[Cluster]:
    """`count` `onboarding serve` processes, each on a port of its own."""
    servers: list[Served] = []
    try:
        for number in range(count):
            servers.append(installation.serve(f"{name}-{number + 1}", log_level="warning"))
        for served in servers:
            served.wait_ready()
        yield Cluster(installation, servers)
    finally:
        stop_all(servers)
