"""The JSON Schemas in schema/ accept every file the project ships, read as an editor reads
them (YAML 1.2: `on` is a key, not a boolean), and reject what the checker rejects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine.spec.source import parse_yaml

PROJECT = Path(__file__).resolve().parent.parent
REJECTS = Path(__file__).resolve().parent / "fixtures" / "schema_rejects"
FOLDERS = {"workflows": "workflow", "forms": "form", "pdf_layouts": "pdf_layout"}
REJECTED_AT = re.compile(r"^# rejected at: (?P<path>\S+)$", re.MULTILINE)


def _shipped() -> list[tuple[Path, str]]:
    """Every YAML file of the project's folders, of examples/ and of the tutorial's project."""
    found = []
    for base in (PROJECT, PROJECT / "examples", PROJECT / "docs" / "authoring" / "tutorial"):
        for folder, kind in FOLDERS.items():
            found.extend((path, kind) for path in sorted((base / folder).glob("*.yaml")))
    return found


def _validator(kind: str) -> jsonschema.Draft7Validator:
    schema = json.loads((PROJECT / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _document(path: Path) -> Any:
    loaded = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    assert not loaded.problems, loaded.problems
    # Through JSON, as an editor hands the document to the schema (dates become strings).
    return json.loads(json.dumps(loaded.value, default=str))


SHIPPED = _shipped()


@pytest.mark.parametrize(
    "path,kind", SHIPPED, ids=[str(p.relative_to(PROJECT)) for p, _ in SHIPPED]
)
def test_schema_accepts_every_shipped_file(path: Path, kind: str) -> None:
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in _validator(kind).iter_errors(_document(path))
    ]
    assert errors == []


def test_every_format_has_shipped_files() -> None:
    assert {kind for _, kind in SHIPPED} == set(FOLDERS.values())


REJECTED = sorted(REJECTS.glob("*.yaml"))


@pytest.mark.parametrize("path", REJECTED, ids=[p.stem for p in REJECTED])
def test_schema_rejects_the_invalid_fixture_where_its_header_says(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    kind = text.splitlines()[0].rsplit("/", 1)[-1].removesuffix(".schema.json")
    expected = REJECTED_AT.search(text)
    assert expected is not None, "the fixture says where it is rejected"
    paths = {
        "/".join(map(str, error.absolute_path))
        for error in _validator(kind).iter_errors(_document(path))
    }
    assert paths == {expected["path"]}
