"""The tutorial's workflow (docs/authoring/tutorial/) is valid, and an applicant registers
through its wizard in a project holding nothing else, as the tutorial tells an author."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.factory import create_app, make_runtime
from engine.check.checker import check_workflow
from engine.check.loader import load_workflow
from engine.config import AppSettings
from engine.service.catalog import sync_reference_lists
from engine.service.setup import prepare_database
from engine.store.db import make_session_factory

from .conftest import BASE_URL, Clock, Site, empty
from .journey import mails, requests

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "authoring" / "tutorial"
WORKFLOW = TUTORIAL / "workflows" / "workshop.yaml"

ANSWERS = {
    "identity": {
        "first_name": "Inès",
        "last_name": "Moreau",
        "email": "ines.moreau@example.org",
        "email__confirm": "ines.moreau@example.org",
    },
    "workshop": {"half_day": "afternoon", "has_project": "yes", "project": "Un jardin partagé."},
}


@pytest.fixture
def tutorial_site(database: Engine, tmp_path: Path) -> Site:
    clock = Clock()
    settings = AppSettings(
        project_dir=TUTORIAL,
        data_dir=tmp_path,
        database_url=database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-not-for-production",
        base_url=BASE_URL,
    )
    runtime = make_runtime(settings)
    runtime.now = clock.now
    # The database may have been prepared for the main project's workflows: prepared again
    # (idempotent) so that this project's workflow is known to it.
    prepare_database(database, runtime.registry)
    empty(database)
    with make_session_factory(database)() as db:
        for compiled in runtime.registry.current.values():
            runtime.registry.remember(db, compiled)
            sync_reference_lists(db, compiled)
        db.commit()
    app = create_app(settings, runtime=runtime, engine=database)
    return Site(app, database, clock, settings, runtime)


def test_the_tutorial_workflow_is_valid() -> None:
    assert check_workflow(load_workflow(WORKFLOW)) == []


def test_an_applicant_registers_through_the_tutorial_wizard(tutorial_site: Site) -> None:
    browser = tutorial_site.browser()
    page = browser.get("/atelier")
    assert page.status == 200, page.text[:300]
    assert "Prénom" in page.text
    page = browser.submit(ANSWERS["identity"])
    assert page.status == 200 and "Avez-vous déjà un projet" in page.text, page.summary
    page = browser.submit(ANSWERS["workshop"])
    # Without JavaScript, the description appears when "yes" is posted: shown, then sent.
    assert "De nouveaux champs sont apparus" in page.text
    page = browser.submit()
    assert page.status == 200, page.summary
    assert "Votre inscription est envoyée." in page.text
    [request] = requests(tutorial_site)
    assert (request.workflow_id, request.state) == ("workshop", "submitted")
    assert request.answers["project"] == "Un jardin partagé."
    [receipt] = mails(tutorial_site, "workshop_received")
    assert receipt.to == ["ines.moreau@example.org"]
    assert receipt.subject == f"Inscription {request.reference} reçue"
    assert "(L'après-midi)" in receipt.text and "Un jardin partagé." in receipt.text


def test_the_project_asks_about_a_project_only_to_those_who_have_one(
    tutorial_site: Site,
) -> None:
    browser = tutorial_site.browser()
    browser.get("/atelier")
    browser.submit(ANSWERS["identity"])
    browser.submit({"half_day": "morning", "has_project": "yes"})
    page = browser.submit({"project": ""})
    assert page.field_error("project") == "Ce champ est obligatoire."
    page = browser.submit({"half_day": "morning", "has_project": "no", "project": None})
    assert "Votre inscription est envoyée." in page.text
    [request] = requests(tutorial_site)
    assert "project" not in request.answers
