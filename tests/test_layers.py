"""The layers hold (docs/architecture.md, "Layers"): the import contracts of pyproject.toml are
kept, and each of them breaks when its layer is crossed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(no_cache=True, no_logo=True))"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter run from `root`, on the packages found there."""
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # The engine reaching up into the web layer.
        (
            "engine/expr/__init__.py",
            "from web.app import build_app",
            [
                "engine is not allowed to import web",
                "engine.expr is not allowed to import sqlalchemy",
            ],
        ),
        # A pure package reaching into the database.
        (
            "engine/wizard/steps.py",
            "from ..store import models",
            [
                "engine.wizard is not allowed to import engine.store",
                "engine.wizard is not allowed to import sqlalchemy",
            ],
        ),
        # Two packages importing each other.
        (
            "engine/spec_types.py",
            "from .spec import workflow",
            ["engine.spec_types is not allowed to import engine.spec", "No cycles are allowed"],
        ),
        # The web layer reaching up into the composition.
        ("web/pages.py", "from app import factory", ["web is not allowed to import app"]),
    ],
)
def test_a_crossed_layer_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: list[str]
) -> None:
    for package in ("app", "web", "engine"):
        shutil.copytree(
            PROJECT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "fonts"),
        )
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    for message in broken:
        assert message in result.stdout
