"""One broken workflow per diagnostic code (tests/fixtures/invalid/workflows/), each stating in
its header what the checker must report: `# expect: CODE LINE:COLUMN message part`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.check.checker import check_workflow
from engine.check.diagnostics import CODES
from engine.check.loader import load_workflow

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invalid" / "workflows"
EXPECT = re.compile(r"^# expect: (?P<code>E\d{3}) (?P<line>\d+):(?P<column>\d+) (?P<text>.+)$")


def _expectations(path: Path) -> list[tuple[str, int, int, str]]:
    found = []
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        match = EXPECT.match(line)
        if match:
            found.append(
                (match["code"], int(match["line"]), int(match["column"]), match["text"].strip())
            )
    return found


FILES = sorted(FIXTURES.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_reports_exactly_what_its_header_says(path: Path) -> None:
    expected = _expectations(path)
    reported = check_workflow(load_workflow(path))
    got = {(d.code, d.position.line, d.position.column) for d in reported}
    assert got == {(code, line, column) for code, line, column, _ in expected}, [
        str(d) for d in reported
    ]
    for code, line, column, text in expected:
        messages = [
            d.message
            for d in reported
            if (d.code, d.position.line, d.position.column) == (code, line, column)
        ]
        assert any(text in message for message in messages), (text, messages)


# Reported about a deployment (what it serves, what a running server takes), not by a
# workflow's check: tests/web/test_served_workflows.py and tests/test_reload.py make each.
DEPLOYMENT_CODES = {"E105", "E106", "E107", "E108"}


def test_every_code_has_a_fixture() -> None:
    covered = {expectation[0] for path in FILES for expectation in _expectations(path)}
    assert set(CODES) - covered - DEPLOYMENT_CODES == set()


def test_the_minimal_valid_workflow_is_clean() -> None:
    assert check_workflow(load_workflow(FIXTURES / "valid_minimal.yaml")) == []
