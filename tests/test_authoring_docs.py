"""The author's manual (docs/authoring/): its generated pages are those the code makes now,
its index links every page, and every option an author can write is described."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.manual.pages import COMMAND, PAGES
from engine.actions.builtin import default_registry
from engine.spec.fields import FIELD_KINDS

PROJECT = Path(__file__).resolve().parent.parent
MANUAL = PROJECT / "docs" / "authoring"


def test_generated_pages_are_fresh(tmp_path: Path) -> None:
    assert main(["docs", "--write", str(tmp_path)]) == 0
    stale = [
        name
        for name in PAGES
        if not (MANUAL / name).is_file()
        or (MANUAL / name).read_text(encoding="utf-8")
        != (tmp_path / name).read_text(encoding="utf-8")
    ]
    assert stale == [], f"docs/authoring/ is stale ({', '.join(stale)}): run `{COMMAND}`"


def test_the_index_links_every_page_and_the_readme_links_the_index() -> None:
    index = (MANUAL / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w.-]+\.md)\)", index))
    pages = {path.name for path in MANUAL.glob("*.md")} - {"README.md"}
    assert pages - linked == set()
    assert linked - pages == set()
    assert "docs/authoring/README.md" in (PROJECT / "README.md").read_text(encoding="utf-8")


def test_one_page_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--page", "action-kinds.md"]) == 0
    assert "## `send_mail`" in capsys.readouterr().out
    assert main(["docs", "--page", "nothing.md"]) == 2
    assert "unknown page 'nothing.md'" in capsys.readouterr().err


def _undescribed(model: Any) -> list[str]:
    schema = model.model_json_schema()
    found = []
    for definition in [schema, *schema.get("$defs", {}).values()]:
        for name, prop in definition.get("properties", {}).items():
            described = prop.get("description") or any(
                member.get("description") for member in prop.get("anyOf", ())
            )
            if name != "type" and not described:
                found.append(f"{definition.get('title')}.{name}")
    return found


@pytest.mark.parametrize("kind", sorted(FIELD_KINDS))
def test_every_option_of_a_field_kind_is_described(kind: str) -> None:
    assert _undescribed(FIELD_KINDS[kind]) == []


@pytest.mark.parametrize("kind", default_registry().names())
def test_every_parameter_of_an_action_kind_is_described(kind: str) -> None:
    action = default_registry().get(kind)
    assert action is not None
    assert action.description
    assert _undescribed(action.params) == []
