"""A second version of the onboarding workflow for the tests that move requests between
versions: state `offer_lapsed` renamed `lapsed`, and a new required question on the mandate
step. With the mapping of the renamed state declared, or not."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.factory import create_app, make_runtime
from engine.config import AppSettings
from engine.store.models import RequestRow

from .conftest import PROJECT, Site

NEW_FIELD = """        - id: employer
          type: text
          label: Nom de votre employeur
          required: true
"""
MAPPING = "migrations:\n  from_states:\n    offer_lapsed: lapsed\n"


def changed_project(folder: Path, *, mapped: bool = True) -> Path:
    copy = folder / ("project-mapped" if mapped else "project-unmapped")
    for name in ("workflows", "forms", "mail_templates", "pdf_layouts", "schema"):
        shutil.copytree(PROJECT / name, copy / name)
    path = copy / "workflows" / "onboarding.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("- id: offer_lapsed\n", "- id: lapsed\n")
    text = text.replace("to: offer_lapsed\n", "to: lapsed\n")
    other = "        - id: mandate_other\n"
    text = text.replace(other, NEW_FIELD + other)
    assert "- id: offer_lapsed" not in text and "employer" in text
    if mapped:
        text = text.rstrip("\n") + "\n" + MAPPING
    path.write_text(text, encoding="utf-8")
    return copy


class NewVersion:
    """The product restarted on the same database with the changed files."""

    def __init__(self, site: Site, folder: Path, *, mapped: bool = True) -> None:
        self.settings = AppSettings(
            project_dir=changed_project(folder, mapped=mapped),
            data_dir=folder / ("data-mapped" if mapped else "data-unmapped"),
            database_url=site.settings.database_url,
            secret_key=site.settings.secret_key,
            base_url=site.settings.base_url,
        )
        self.runtime = make_runtime(self.settings)
        self.runtime.now = site.clock.now
        self.registry = self.runtime.registry
        self.compiled = self.registry.get("onboarding")
        self.app = create_app(self.settings, runtime=self.runtime, engine=site.engine)


def add_request(site: Site, state: str, number: int, **values: Any) -> str:
    """A submitted request of the current (old) version in `state` (a draft in the initial
    state, never submitted, at the step `dietary`); its reference (a draft's public id)."""
    draft = state == "draft"
    compiled = site.runtime.registry.get("onboarding")
    reference = None if draft else f"T1-{number:04d}"
    public_id = str(uuid.uuid4())
    now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    with site.db() as db:
        db.add(
            RequestRow(
                public_id=public_id,
                reference=reference,
                workflow_id="onboarding",
                spec_hash=compiled.content_hash,
                state=state,
                state_entered_at=now,
                session_code="26C03S1",
                answers={"session_code": "26C03S1", "last_name": f"Nom{number}"},
                current_step="dietary" if draft else None,
                applicant_email=f"personne{number}@example.org",
                applicant_name=f"Personne Nom{number}",
                search_text=f"{reference or ''} personne nom{number}".lower(),
                created_at=now,
                updated_at=now,
                submitted_at=None if draft else now,
                **values,
            )
        )
        db.commit()
    return reference or public_id
