"""The generated pages of the author's manual, by file name, and writing them to a folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .action_kinds_page import action_kinds_page
from .diagnostics_page import diagnostics_page
from .expressions_page import expressions_page
from .field_kinds_page import field_kinds_page
from .formats_page import formats_page
from .posted_names_page import posted_names_page
from .template_variables_page import template_variables_page

PAGES: dict[str, Callable[[], str]] = {
    "formats.md": formats_page,
    "field-kinds.md": field_kinds_page,
    "action-kinds.md": action_kinds_page,
    "template-variables.md": template_variables_page,
    "expressions.md": expressions_page,
    "diagnostics.md": diagnostics_page,
    "posted-names.md": posted_names_page,
}

COMMAND = "onboarding docs --write docs/authoring"


def generated() -> dict[str, str]:
    return {name: page() for name, page in PAGES.items()}


def write(folder: Path) -> list[Path]:
    """Writes every generated page into `folder`; the hand-written pages there stay."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generated().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
