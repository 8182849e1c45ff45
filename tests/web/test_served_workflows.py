"""A deployment serves the workflows it chose: by default those of the project's workflows/
(the examples are not among them), or those ONBOARDING_WORKFLOWS names; a name that is no
file, a clash between two served workflows or an invitation to a workflow not served stops it
with the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.factory import create_app, make_runtime
from engine.compiled import SpecError
from engine.config import AppSettings
from engine.service.seed import load_seed, read_seed
from engine.service.setup import prepare_database
from engine.service.workflows import WorkflowRegistry
from engine.store.db import make_session_factory
from tests.serving import Installation

from .browser import Browser
from .conftest import PROJECT, Clock, empty

LOAN_PATH = "examples/equipment_loan/workflows/equipment_loan.yaml"


def served_site(database: Engine, tmp_path: Path, workflows: str) -> Browser:
    """The app of a deployment serving `workflows`, with the demo's sessions."""
    clock = Clock()
    settings = AppSettings(
        project_dir=PROJECT,
        workflows=workflows,
        data_dir=tmp_path,
        database_url=database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
    )
    runtime = make_runtime(settings)
    runtime.now = clock.now
    prepare_database(database, runtime.registry)
    empty(database)
    with make_session_factory(database)() as db:
        for compiled in runtime.registry.current.values():
            runtime.registry.remember(db, compiled)
        seed = read_seed(PROJECT / "demo" / "onboarding.yaml")
        load_seed(db, runtime.registry, seed, settings.zone, today=clock.moment.date())
        db.commit()
    return Browser(create_app(settings, runtime=runtime, engine=database))


def problems(selection: str, project: Path = PROJECT) -> list[str]:
    with pytest.raises(SpecError) as raised:
        WorkflowRegistry.load(project, selection)
    return [str(d) for d in raised.value.diagnostics]


def test_by_default_the_project_s_workflows_are_served_not_the_examples(
    database: Engine, tmp_path: Path
) -> None:
    browser = served_site(database, tmp_path, "")
    page = browser.get("/")
    assert page.status == 200
    assert page.soup.select('a[href="/inscription/26C03S1"]')
    assert "Equipment loan" not in page.text and not page.soup.select('a[href="/equipment-loan"]')
    assert browser.get("/equipment-loan").status == 404
    assert browser.get("/inscription/26C03S1").status == 200


def test_a_deployment_serves_an_example_it_names(database: Engine, tmp_path: Path) -> None:
    browser = served_site(database, tmp_path, f"onboarding, satisfaction, {LOAN_PATH}")
    page = browser.get("/")
    # Two workflows listed: each under its title.
    assert "Inscription en ligne" in page.text and "Equipment loan" in page.text
    assert page.soup.select('a[href="/equipment-loan"]')
    assert browser.get("/equipment-loan").status == 200


def test_a_name_that_is_no_workflow_is_reported_with_the_known_ones() -> None:
    [problem] = problems("onboarding,satisfaction,onbaording")
    assert "ONBOARDING_WORKFLOWS:1:1: E105 no workflow 'onbaording' to serve" in problem
    assert "onboarding, satisfaction" in problem  # the ids it could have meant


def test_an_invitation_to_a_workflow_not_served_is_reported() -> None:
    [problem] = problems("onboarding")
    assert "E108 'onboarding' invites to workflow 'satisfaction'" in problem
    assert "add 'satisfaction' to ONBOARDING_WORKFLOWS" in problem


def test_two_served_workflows_with_one_id_are_reported(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT / "examples" / "equipment_loan", project)
    loan = project / "workflows" / "equipment_loan.yaml"
    shutil.copy(loan, project / "workflows" / "loan_copy.yaml")
    found = problems("", project)
    assert any("E106 two served workflows have the id 'equipment_loan'" in p for p in found)
    path_clash = "E106 two served workflows have the wizard path 'equipment-loan'"
    assert any(path_clash in p for p in found)


def test_the_server_does_not_start_on_a_wrong_name(tmp_path: Path) -> None:
    installation = Installation(tmp_path, settings={"ONBOARDING_WORKFLOWS": "onboarding,nope"})
    with pytest.raises(RuntimeError) as failed:
        installation.run("worker", "--once")
    said = str(failed.value)
    assert "E105 no workflow 'nope' to serve" in said
    assert "cannot serve onboarding,nope: fix the problems above" in said
    assert "Traceback" not in said
