"""Inputs that once broke the loader or the checker: they must give diagnostics, not raise."""

from __future__ import annotations

from pathlib import Path

from engine.check.checker import check_workflow
from engine.check.loader import load_workflow

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invalid"
BASE = (FIXTURES / "workflows" / "valid_minimal.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    project = tmp_path / "project"
    (project / "workflows").mkdir(parents=True)
    for folder in ("forms", "mail_templates", "pdf_layouts"):
        source = FIXTURES / folder
        target = project / folder
        target.mkdir()
        for path in source.rglob("*"):
            if path.is_file():
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(path.read_bytes())
    path = project / "workflows" / "w.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_include_is_a_form_id_not_a_path(tmp_path: Path) -> None:
    text = BASE.replace("- include: contact", "- include: ../pdf_layouts/summary")
    assert text != BASE
    codes = {(d.code, d.message) for d in check_workflow(load_workflow(_write(tmp_path, text)))}
    assert any(code == "E005" and "include" in message for code, message in codes)
    assert not any("author" in message for _, message in codes)  # the layout was never read


def test_a_missing_included_form_is_reported(tmp_path: Path) -> None:
    text = BASE.replace("- include: contact", "- include: contcat")
    reported = check_workflow(load_workflow(_write(tmp_path, text)))
    assert any(
        d.code == "E019" and "unknown form 'contcat' (did you mean 'contact'?)" in d.message
        for d in reported
    )


def test_an_include_shared_by_two_steps_through_an_alias(tmp_path: Path) -> None:
    text = BASE.replace(
        "      fields:\n        - include: contact",
        "      fields: &shared\n        - include: contact",
    ).replace(
        "process:\n", "    - id: again\n      title: Again\n      fields: *shared\nprocess:\n"
    )
    assert "*shared" in text and "&shared" in text
    reported = check_workflow(load_workflow(_write(tmp_path, text)))  # must not raise
    assert {d.code for d in reported} == {"E010"}  # the shared fields are duplicates
