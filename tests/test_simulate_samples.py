"""`onboarding simulate` and `render-mail --sample` on valid workflows: answers that satisfy a
text field's pattern, a comment where a transition requires one, and one line, never a
traceback, when something unexpected happens."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import app.cli
from app.cli import main
from engine.wizard.pattern_sample import pattern_sample

PROJECT = Path(__file__).resolve().parent.parent

PATTERNS = [
    r"^[A-Z]{2}-[0-9]{4}$",
    r"\d{5}",
    r"(?i)[a-z]+@[a-z]+\.fr",
    r"FR\d{2} ?\d{4}",
    r"[A-Z][a-z]*(-[A-Z][a-z]*)*",
    r"(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,20}",
    r"(ab|cd)\1",
    r"[^0-9 ]{3,}",
    r"\w+\s\w+",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_pattern_sample_matches_its_pattern_every_time(pattern: str) -> None:
    text = pattern_sample(pattern, max_length=200)
    assert text is not None
    assert re.fullmatch(pattern, text)
    assert pattern_sample(pattern, max_length=200) == text


def test_a_pattern_sample_respects_the_field_lengths() -> None:
    text = pattern_sample(r"[A-Z][a-z]*", min_length=6, max_length=10)
    assert text is not None and 6 <= len(text) <= 10
    assert pattern_sample(r"\d{5}", max_length=4) is None


LOAN = PROJECT / "examples" / "equipment_loan"  # the sample, a project folder of its own


def _loan_project(tmp_path: Path) -> Path:
    shutil.copytree(LOAN, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "workflows" / "equipment_loan.yaml"
    text = path.read_text(encoding="utf-8")
    first_name = "".join(
        f"          {line}\n" for line in ("label: First name", "required: true", "max_length: 100")
    )
    approve = "      confirm: Approve this loan? The member receives the loan slip by email.\n"
    assert first_name in text and approve in text
    text = text.replace(first_name, first_name + '          pattern: "^[A-Z]{2}-[0-9]{4}$"\n', 1)
    text = text.replace(approve, approve + "      comment:\n        required: true\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def test_simulate_answers_patterns_and_writes_required_comments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _loan_project(tmp_path)
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["simulate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "step 1 member: 4 answer(s), ok" in out
    assert "--approve (simulation)--> approved\n      comment: A sample comment" in out
    assert out.rstrip().endswith("state: returned")


def test_simulate_reports_an_unexpected_error_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> int:
        raise KeyError("session")

    monkeypatch.setattr(app.cli, "simulate", broken)
    assert (
        main(
            [
                "simulate",
                str(LOAN / "workflows" / "equipment_loan.yaml"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err == "simulation stopped: KeyError: 'session'\n"


def test_render_mail_sample_shows_a_sample_comment(capsys: pytest.CaptureFixture[str]) -> None:
    workflow = str(LOAN / "workflows" / "equipment_loan.yaml")
    assert main(["render-mail", workflow, "loan_refused", "--sample", "--part", "text"]) == 0
    out = capsys.readouterr().out
    assert "None" not in out
    assert "Reason:\n\nA sample comment written by the manager." in out


def test_a_pattern_longer_than_the_field_gives_no_sample_quickly() -> None:
    assert pattern_sample(r"(a{999}){999}", max_length=200) is None
    assert pattern_sample(r"(?<=x)y", max_length=200) is None  # a lookbehind cannot be honoured
