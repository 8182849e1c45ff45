"""Checks that catch an author's slips the format's types let through: yes/no values written
otherwise than true or false, conditions comparing a field with a value it cannot take, a
missing form reported once, form files checked like workflows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.actions.builtin import default_registry
from engine.check.checker import check_workflow
from engine.check.loader import load_workflow
from engine.check.shape import _walk_subclasses
from engine.spec_types import SpecModel

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "invalid"


def test_every_yes_no_key_of_the_format_takes_only_true_or_false() -> None:
    default_registry()  # defines the parameter models of the action kinds
    lax = [
        f"{model.__name__}.{name}"
        for model in _walk_subclasses(SpecModel)
        for name, info in model.model_fields.items()
        if info.annotation is bool and not any(getattr(m, "strict", False) for m in info.metadata)
    ]
    assert lax == []


def _project_copy(tmp_path: Path) -> Path:
    for folder in ("workflows", "forms", "mail_templates", "pdf_layouts"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_a_missing_include_in_the_shipped_workflow_is_reported_once(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    path = project / "workflows" / "onboarding.yaml"
    text = path.read_text(encoding="utf-8")
    assert "- include: trainee_identity" in text
    path.write_text(text.replace("- include: trainee_identity", "- include: trainee_identiti"))
    reported = check_workflow(load_workflow(path))
    assert [(d.code, d.message) for d in reported] == [
        ("E019", "unknown form 'trainee_identiti' (did you mean 'trainee_identity'?)")
    ]


def test_a_field_missing_for_another_reason_is_still_reported(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    path = project / "workflows" / "onboarding.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("- include: trainee_identity", "- {id: note, type: text, label: Note}")
    )
    codes = {d.code for d in check_workflow(load_workflow(path))}
    assert {"E011", "E051"} <= codes


def test_an_unknown_list_in_a_sub_form_is_reported_in_the_form_file() -> None:
    path = FIXTURES / "workflows" / "E012_unknown_list_in_sub_form.yaml"
    reported = check_workflow(load_workflow(path))
    assert [(d.code, Path(d.position.file).as_posix().split("/")[-2:]) for d in reported] == [
        ("E012", ["forms", "new_member.yaml"])
    ]


def _minimal_with_required(tmp_path: Path, written: str) -> Path:
    for folder in ("forms", "mail_templates", "pdf_layouts"):
        shutil.copytree(FIXTURES / folder, tmp_path / folder)
    (tmp_path / "workflows").mkdir()
    text = (FIXTURES / "workflows" / "valid_minimal.yaml").read_text(encoding="utf-8")
    comments = "          label: Comments\n"
    assert comments in text
    path = tmp_path / "workflows" / "minimal.yaml"
    path.write_text(text.replace(comments, f"{comments}          required: {written}\n"))
    return path


@pytest.mark.parametrize("written", ["no", "off", "yes", "on", "1", "0", '"yes"', "'false'"])
def test_a_yes_no_key_written_otherwise_than_true_or_false_is_refused(
    tmp_path: Path, written: str
) -> None:
    reported = check_workflow(load_workflow(_minimal_with_required(tmp_path, written)))
    assert [d.code for d in reported] == ["E092"]
    assert "'required' in field 'comments' is " in reported[0].message
    assert reported[0].message.endswith("a yes/no value is written true or false")


@pytest.mark.parametrize("written", ["true", "false", "True", "FALSE"])
def test_true_and_false_are_yes_no_values(tmp_path: Path, written: str) -> None:
    assert check_workflow(load_workflow(_minimal_with_required(tmp_path, written))) == []
