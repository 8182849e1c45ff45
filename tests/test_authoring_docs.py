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
from engine.check.code_help import CODE_HELP
from engine.check.diagnostics import CODES
from engine.check.scope import SESSION_DOCUMENT_ROOTS, TEMPLATE_ROOTS
from engine.expr import FUNCTIONS
from engine.schema import SCHEMAS
from engine.spec.fields import FIELD_KINDS
from engine.spec.source import parse_yaml

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


def test_every_diagnostic_code_has_an_example_and_a_fix() -> None:
    assert set(CODE_HELP) == set(CODES)
    for code, help_ in CODE_HELP.items():
        assert help_.example.strip() and help_.fix.strip(), code


def test_the_diagnostics_page_gives_each_code_its_example_and_fix() -> None:
    page = (MANUAL / "diagnostics.md").read_text(encoding="utf-8")
    for code, help_ in CODE_HELP.items():
        section = page.split(f"\n## {code}\n", 1)[1].split("\n## ", 1)[0]
        assert help_.example in section and help_.fix in section, code


def test_posted_names_are_those_the_wizard_reads() -> None:
    page = (MANUAL / "posted-names.md").read_text(encoding="utf-8")
    assert "| `email` | `<id>`, `<id>__confirm` |" in page
    assert "`<id>__new__<field id>`" in page
    assert "| `_csrf` |" in page


def test_template_variables_name_every_root_and_its_attributes() -> None:
    page = (MANUAL / "template-variables.md").read_text(encoding="utf-8")
    for root in TEMPLATE_ROOTS | SESSION_DOCUMENT_ROOTS:
        assert f"| `{root}` |" in page, root
    assert "`comment`, `id`, `label`" in page  # transition.comment


def test_the_expressions_page_lists_every_function() -> None:
    page = (MANUAL / "expressions.md").read_text(encoding="utf-8")
    for name in FUNCTIONS:
        assert f"| `{name}(x)` |" in page


def test_every_excerpt_of_the_tutorial_is_copied_from_its_project() -> None:
    tutorial = (MANUAL / "tutorial.md").read_text(encoding="utf-8")
    project = MANUAL / "tutorial"
    workflow = (project / "workflows" / "workshop.yaml").read_text(encoding="utf-8")
    excerpts = re.findall(r"```yaml\n(.*?)```", tutorial, re.DOTALL)
    assert len(excerpts) >= 8
    for excerpt in excerpts:
        assert excerpt in workflow, excerpt
    mail = (project / "mail_templates" / "workshop_received" / "body.txt").read_text("utf-8")
    assert f"```\n{mail}```" in tutorial


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_every_option_of_a_file_format_is_described(kind: str) -> None:
    model, _ = SCHEMAS[kind]
    assert _undescribed(model) == []


def test_each_diagnostic_example_reads_as_yaml_or_shows_its_own_reading_problem() -> None:
    reading_problems = {"E001": "YAML syntax error", "E008": "duplicate key"}
    for code, help_ in CODE_HELP.items():
        problems = [p.message for p in parse_yaml(help_.example, code).problems]
        expected = reading_problems.get(code)
        if expected is None:
            assert problems == [], code
        else:
            assert any(expected in message for message in problems), (code, problems)
