"""What `onboarding diff` reports between two versions of a workflow (engine/spec_diff.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.compiled import CompiledWorkflow, load_compiled
from engine.spec_diff import affected, spec_changes

PROJECT = Path(__file__).resolve().parent.parent


def edited(tmp_path: Path) -> CompiledWorkflow:
    """The onboarding workflow with a state renamed, a mail reworded and a delay shortened."""
    for name in ("workflows", "forms", "mail_templates", "pdf_layouts"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    path = tmp_path / "workflows" / "onboarding.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("- id: offer_lapsed\n", "- id: lapsed\n").replace(
        "to: offer_lapsed\n", "to: lapsed\n"
    )
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "id: confirmation_link_lifetime" in line)
    default = next(i for i in range(start, len(lines)) if "default: 7d" in lines[i])
    lines[default] = lines[default].replace("7d", "3d")
    path.write_text("".join(lines), encoding="utf-8")
    body = tmp_path / "mail_templates" / "rejected" / "body.txt"
    body.write_text(body.read_text(encoding="utf-8") + "\nCordialement.\n", encoding="utf-8")
    return load_compiled(path)


def test_a_version_compared_with_itself_has_no_change(onboarding: CompiledWorkflow) -> None:
    assert spec_changes(onboarding, onboarding) == []


def test_each_change_is_named_with_the_requests_it_touches(
    onboarding: CompiledWorkflow, tmp_path: Path
) -> None:
    changes = {(c.kind, c.id): c for c in spec_changes(onboarding, edited(tmp_path))}
    assert {key: c.how for key, c in changes.items()} == {
        ("state", "offer_lapsed"): "removed",
        ("state", "lapsed"): "added",
        ("transition", "seat_offer_lapsed"): "changed",
        ("mail", "rejected"): "changed",
        ("setting", "confirmation_link_lifetime"): "changed",
    }
    by_state = {"offer_lapsed": 2, "seat_offered": 3, "registered": 5, "draft": 4}
    assert affected(changes[("state", "offer_lapsed")], by_state, drafts=4) == 2
    # The transition into the renamed state leaves from seat_offered.
    assert affected(changes[("transition", "seat_offer_lapsed")], by_state, drafts=4) == 3
    # A setting touches every request of the old version.
    assert affected(changes[("setting", "confirmation_link_lifetime")], by_state, drafts=4) == 14
