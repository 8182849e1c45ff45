"""The `onboarding` command as a workflow author and a CI job use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

PROJECT = Path(__file__).resolve().parent.parent


def run(args: list[str], cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"},
    )


def test_validate_defaults_to_every_workflow() -> None:
    result = run(["validate"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "workflows/onboarding.yaml" in result.stdout
    # The examples are checked too, though a deployment does not serve them.
    assert "examples/equipment_loan/workflows/equipment_loan.yaml" in result.stdout


def _broken(tmp_path: Path, text: str | bytes, name: str = "broken.yaml") -> Path:
    folder = tmp_path / "workflows"
    folder.mkdir(exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "content,code",
    [
        ("", "E002"),
        ("id: x\ntitle:\n\t- tab\n", "E001"),
        ("- just\n- a list\n", "E002"),
        ("id: [unclosed\n", "E001"),
        (b"id: \xff\xfe\n", "E007"),
        ("id: 12\ntitle: 3\nwizard: nope\nprocess: {}\n", "E005"),
        ("a: &x [*x]\n", "E003"),  # a recursive alias is loaded, then refused as unknown
    ],
)
def test_broken_input_gives_diagnostics_never_a_traceback(
    tmp_path: Path, content: str | bytes, code: str
) -> None:
    path = _broken(tmp_path, content)
    result = run(["validate", str(path)], cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert f" {code} " in result.stdout


def test_json_format_for_ci_tools(tmp_path: Path) -> None:
    path = _broken(tmp_path, "id: x\n")
    result = run(["validate", "--format", "json", str(path)], cwd=tmp_path)
    assert result.returncode == 1
    reported = json.loads(result.stdout)
    assert {"code", "message", "file", "line", "column", "severity", "hint"} <= set(reported[0])
    assert {d["code"] for d in reported} == {"E004"}
    assert any("missing key 'wizard'" in d["message"] for d in reported)


def test_validate_reports_a_missing_file(tmp_path: Path) -> None:
    result = run(["validate", str(tmp_path / "nowhere.yaml")], cwd=tmp_path)
    assert result.returncode == 1
    assert "E007 cannot read the workflow file" in result.stdout


def test_diagram_is_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(PROJECT / "workflows" / "onboarding.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("stateDiagram-v2\n    [*] --> draft\n")
    assert "email_confirmed --> institution_validated" in out
    assert "registered --> [*]" in out


def test_simulate_walks_to_a_final_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(PROJECT / "workflows" / "onboarding.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("state: registered")


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--kind", "form"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"] == "form.schema.json"
