"""The committed JSON Schemas are those the models generate, and they accept the project's own
files, so editors using them agree with the checker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.schema import SCHEMAS, json_schema, schema_text

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_committed_schema_is_up_to_date(kind: str) -> None:
    committed = PROJECT / "schema" / f"{kind}.schema.json"
    assert committed.read_text(encoding="utf-8") == schema_text(kind), (
        f"schema/{kind}.schema.json is stale: run `onboarding schema --write schema`"
    )


def test_schemas_are_draft_07_with_local_definitions() -> None:
    for kind in SCHEMAS:
        schema = json_schema(kind)
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        text = json.dumps(schema)
        assert "$defs" not in text
        assert '"#/definitions/' in text or kind != "workflow"


@pytest.mark.parametrize(
    "folder,kind", [("workflows", "workflow"), ("forms", "form"), ("pdf_layouts", "pdf_layout")]
)
def test_yaml_files_name_their_schema(folder: str, kind: str) -> None:
    for path in (PROJECT / folder).glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../schema/{kind}.schema.json", path
