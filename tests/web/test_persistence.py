"""The database side: migrations match the models, drafts are saved step by step, and a
request keeps running under the version of the workflow it started with."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from app.factory import create_app, make_runtime
from engine.compiled import clear_cache
from engine.config import AppSettings
from engine.store.models import Base, RequestRow, SpecVersion

from .browser import Browser
from .conftest import PROJECT, Site
from .journey import ANSWERS, START, fill_until, requests, step_of


def test_migrations_create_exactly_the_models_tables(site: Site) -> None:
    with site.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode(site: Site) -> None:
    if site.backend != "sqlite":
        return
    with site.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_draft_is_saved_after_each_step(site: Site) -> None:
    browser = site.browser()
    fill_until(browser, "establishment")
    [row] = requests(site)
    assert row.state == "draft"
    assert row.reference is None
    assert row.current_step == "trainee"
    assert row.answers == {
        "session_code": "26C03S1",
        "funding_method": "establishment",
        "establishment": "ville_lyon",
    }


def _changed_project(tmp_path: Path) -> Path:
    """A copy of the project where the trainee step's first-name label has changed."""
    copy = tmp_path / "project"
    for folder in ("workflows", "forms", "mail_templates", "pdf_layouts", "schema"):
        shutil.copytree(PROJECT / folder, copy / folder)
    form = copy / "forms" / "trainee_identity.yaml"
    form.write_text(
        form.read_text(encoding="utf-8").replace("label: Prénom", "label: Prénom usuel"),
        encoding="utf-8",
    )
    return copy


def test_a_request_keeps_the_version_it_started_with(site: Site, tmp_path: Path) -> None:
    browser = site.browser()
    page = fill_until(browser, "establishment")
    assert "Prénom" in page.text and "Prénom usuel" not in page.text
    [started] = requests(site)
    old_hash = started.spec_hash

    # The organisation edits its YAML and restarts the app on the same database.
    settings = AppSettings(
        project_dir=_changed_project(tmp_path),
        data_dir=tmp_path / "data",
        database_url=site.settings.database_url,
        secret_key=site.settings.secret_key,
        base_url=site.settings.base_url,
    )
    runtime = make_runtime(settings)
    runtime.now = site.clock.now
    new_hash = runtime.registry.get("onboarding").content_hash
    assert new_hash != old_hash
    new_app = create_app(settings, runtime=runtime, engine=site.engine)
    clear_cache()  # as in a new process: the old version can only come from the database

    # The request in flight continues under its own version...
    continuing = Browser(new_app)
    continuing.client.cookies.update(dict(browser.client.cookies))
    page = continuing.get(START)
    assert step_of(page) == "trainee"
    assert "Prénom usuel" not in page.text
    for step in ("trainee", "mandate", "dietary", "disability", "extra_data", "terms"):
        page = continuing.submit(ANSWERS[step])
    assert "Demande envoyée" in page.text

    # ...and a new request starts under the new one.
    newcomer = Browser(new_app)
    page = fill_until(newcomer, "establishment")
    assert "Prénom usuel" in page.text
    with site.db() as db:
        hashes = [
            r.spec_hash for r in db.execute(select(RequestRow).order_by(RequestRow.id)).scalars()
        ]
        stored = {v.content_hash for v in db.execute(select(SpecVersion)).scalars()}
    assert hashes == [old_hash, new_hash]
    assert {old_hash, new_hash} <= stored
