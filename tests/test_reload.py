"""Editing a workflow while `onboarding serve` runs, on SQLite and PostgreSQL, with two web
processes on one database: a broken edit is not taken (the previous version keeps serving and
admins see the error in the backoffice), the fixed one is taken by both processes, new
requests start on it, and a request started before keeps its version."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.factory import make_runtime
from app.reload import Reloader
from engine.config import AppSettings
from engine.service.setup import prepare_database
from engine.store.db import make_engine, make_session_factory
from engine.store.models import RequestRow, SpecVersion
from tests.concurrency.people import Visitor, expect
from tests.databases import postgres_database
from tests.serving import Installation, Served, stop_all, wait_until

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "equipment_loan"
LOAN = "/equipment-loan"
QUEUE = "/backoffice/equipment_loan/demandes"
ADMIN_EMAIL = "admin@makerspace.example"
ADMIN_PASSWORD = "Administrator-2026-reload"
LIBRARIAN_EMAIL = "librarian@makerspace.example"
MEMBER = {
    "_action": "new_request",
    "_nav": "next",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "06 98 76 54 32",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield ""
        return
    generator = postgres_database()
    yield next(generator)
    for _ in generator:  # drops the database
        pass


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example project: the test edits its files."""
    copy = tmp_path / "project"
    shutil.copytree(EXAMPLE, copy)
    return copy


@pytest.fixture
def servers(tmp_path: Path, project: Path, database_url: str) -> Iterator[list[Served]]:
    installation = Installation(
        tmp_path / "data",
        database_url,
        {
            "ONBOARDING_PROJECT_DIR": str(project),
            "ONBOARDING_SECRET_KEY": "reload-test-secret-not-for-production",
            "ONBOARDING_EMBEDDED_WORKER": "false",
        },
    )
    installation.run("user", "create", ADMIN_EMAIL, "--role", "admin", "--password", ADMIN_PASSWORD)
    installation.run(
        "user", "create", LIBRARIAN_EMAIL, "--role", "librarian", "--password", ADMIN_PASSWORD
    )
    started = [installation.serve(f"reload-{n}") for n in (1, 2)]
    try:
        for served in started:
            served.wait_ready()
        for served in started:
            wait_until(lambda s=served: "watching" in s.log(), "the server to watch its files")
        yield started
    finally:
        stop_all(started)


def member(email: str) -> dict[str, str]:
    return {**MEMBER, "email": email, "email__confirm": email}


def first_step_label(visitor: Visitor, path: str = LOAN) -> str:
    """The first field's label on the wizard's first step."""
    page = expect(visitor.get(path), 200, f"the page {path}")
    return "Given name" if "Given name" in page.text else "First name"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def logged_in(base_url: str, email: str) -> Visitor:
    visitor = Visitor(base_url, timeout=30)
    expect(visitor.get("/backoffice/connexion"), 200, "the login page")
    expect(
        visitor.post("/backoffice/connexion", {"email": email, "password": ADMIN_PASSWORD}),
        303,
        "logging in",
    )
    return visitor


def test_a_broken_edit_is_refused_and_a_fixed_one_taken(
    servers: list[Served], project: Path, database_url: str, tmp_path: Path
) -> None:
    one, two = servers
    workflow = project / "workflows" / "equipment_loan.yaml"
    subject = project / "mail_templates" / "loan_received" / "subject.txt"

    # A member starts a request under the version served at start-up.
    early = Visitor(one.base_url, timeout=30)
    assert first_step_label(early) == "First name"
    saved = early.post(LOAN, member("early@example.org"))
    expect(saved, 303, "the first step of the early request")

    # A broken edit: a mail's subject no longer parses, and the label changes. The server may
    # see the two files changed in one batch or two: the subject first, so that it never sees
    # the new label without the error.
    subject_text = subject.read_text(encoding="utf-8")
    subject.write_text("{{ request.reference ", encoding="utf-8")
    edit(workflow, "label: First name", "label: Given name")
    admins = [logged_in(s.base_url, ADMIN_EMAIL) for s in servers]

    def refused(server: Served, admin: Visitor) -> bool:
        page = expect(admin.get(QUEUE), 200, "the queue")
        return "reload-problems" in page.text and "loan_received" in page.text

    for server, admin in zip(servers, admins, strict=True):
        wait_until(lambda s=server, a=admin: refused(s, a), f"{server.log_path.name} to refuse")
    page = admins[0].get(QUEUE).text
    assert "E050" in page and "the previous version keeps serving" in page
    # The previous version keeps serving both processes' new visitors.
    for server in servers:
        assert first_step_label(Visitor(server.base_url, timeout=30)) == "First name"
    # Only admins are shown the problems.
    librarian = logged_in(one.base_url, LIBRARIAN_EMAIL)
    assert "reload-problems" not in expect(librarian.get(QUEUE), 200, "the queue").text

    # The fix: both processes take the edited version.
    subject.write_text(subject_text, encoding="utf-8")
    for server in servers:
        wait_until(
            lambda s=server: first_step_label(Visitor(s.base_url, timeout=30)) == "Given name",
            f"{server.log_path.name} to take the fixed version",
        )
    for admin in admins:
        assert "reload-problems" not in admin.get(QUEUE).text

    # A request started now runs on the new version, on either process (a cookie is not
    # bound to a port: one client reaches both servers as the same browser).
    late = Visitor(two.base_url, timeout=30)
    late.get(LOAN)
    expect(late.post(LOAN, member("late@example.org")), 303, "the first step, late")
    for server in servers:
        page = expect(late.get(server.url(f"{LOAN}/etape/member")), 200, "the late step")
        assert "Given name" in page.text
    # The request started before keeps its version, on either process.
    for server in servers:
        page = expect(early.get(server.url(f"{LOAN}/etape/member")), 200, "the early step")
        assert "First name" in page.text and "Given name" not in page.text

    # Both versions are stored under their hashes, each request pinned to its own.
    engine = make_engine(database_url or f"sqlite:///{tmp_path / 'data' / 'onboarding.sqlite3'}")
    try:
        with make_session_factory(engine)() as db:
            hashes = set(db.scalars(select(SpecVersion.content_hash)))
            pinned = list(db.scalars(select(RequestRow.spec_hash).order_by(RequestRow.id)))
    finally:
        engine.dispose()
    assert len(hashes) == 2
    assert len(pinned) == 2 and set(pinned) == hashes  # the early request, then the late one


# -- what a process takes, without a server -------------------------------------------------


def reloader_on(project: Path, tmp_path: Path) -> Reloader:
    settings = AppSettings(
        project_dir=project,
        data_dir=tmp_path / "data",
        secret_key="reload-test-secret-not-for-production",
    )
    engine = make_engine(settings.resolved_database_url())
    runtime = make_runtime(settings)
    prepare_database(engine, runtime.registry)
    return Reloader(runtime, engine)


def test_a_change_of_wizard_path_waits_for_a_restart(project: Path, tmp_path: Path) -> None:
    reloader = reloader_on(project, tmp_path)
    before = reloader.runtime.registry.current["equipment_loan"]
    edit(project / "workflows" / "equipment_loan.yaml", "path: equipment-loan", "path: loans")
    assert reloader.reload() is False
    [problem] = reloader.runtime.registry.problems
    assert problem.code == "E107" and "changed its path" in problem.message
    assert reloader.runtime.registry.current["equipment_loan"] is before
    assert reloader.runtime.registry.by_path("equipment-loan") is before


def test_the_watched_folders_are_the_served_projects_not_the_data(
    project: Path, tmp_path: Path
) -> None:
    reloader = reloader_on(project, tmp_path)
    watched = {folder.name for folder in reloader.folders()}
    assert watched == {"workflows", "mail_templates", "pdf_layouts"}  # no forms/ in the example
    assert all(project.resolve() in folder.parents for folder in reloader.folders())
