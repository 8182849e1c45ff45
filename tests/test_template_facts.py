"""What the checker learns of templates is kept between processes, and a kept fact is never
served for a source that changed, nor taken from a damaged file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.check import template_facts
from engine.check.checker import check_workflow
from engine.check.loader import load_workflow
from engine.check.template_facts import FILE_NAME, STORE

ROOT = Path(__file__).resolve().parent.parent
MAIL = Path("mail_templates") / "session_details" / "body.txt"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's own workflows and the files they use."""
    copy = tmp_path / "project"
    for folder in ("workflows", "forms", "mail_templates", "pdf_layouts"):
        shutil.copytree(ROOT / folder, copy / folder)
    return copy


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "cache"
    STORE.keep_in(folder)
    yield folder
    STORE.keep_in(None)
    STORE.forget()


def new_process() -> None:
    """What a new process knows: only the file."""
    STORE.forget()


def problems(project: Path) -> list[str]:
    found = check_workflow(load_workflow(project / "workflows" / "onboarding.yaml"))
    return [f"{d.code} {d.message}" for d in found if d.severity == "error"]


def test_a_second_process_checks_without_parsing_a_template(
    project: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert problems(project) == []
    assert (cache / FILE_NAME).is_file()
    new_process()

    def no_parsing(source: str) -> None:
        raise AssertionError("a template was parsed again")

    monkeypatch.setattr(template_facts, "_analyse", no_parsing)
    assert problems(project) == []


def test_a_changed_template_is_checked_anew(project: Path, cache: Path) -> None:
    assert problems(project) == []
    new_process()
    mail = project / MAIL
    mail.write_text(mail.read_text(encoding="utf-8") + "\n{{ session.venue }}\n", "utf-8")
    assert any(
        "E051" in problem and "session.venue" in problem and "session_details" in problem
        for problem in problems(project)
    )
    broken = project / "mail_templates" / "confirm_email" / "subject.txt"
    broken.write_text("Confirmez {{ request.reference", encoding="utf-8")
    new_process()
    assert any("E050" in problem and "confirm_email" in problem for problem in problems(project))


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"code": "written by other code", "facts": {}}',
        "",
    ],
)
def test_a_damaged_or_foreign_file_is_ignored(project: Path, cache: Path, content: str) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    (cache / FILE_NAME).write_text(content, encoding="utf-8")
    new_process()
    mail = project / MAIL
    mail.write_text("{{ answers.nickname }}", encoding="utf-8")
    assert any("E051" in p and "answers.nickname" in p for p in problems(project))
    kept = json.loads((cache / FILE_NAME).read_text(encoding="utf-8"))
    assert kept["code"] == template_facts._code_digest()  # rewritten whole


def test_damaged_entries_are_analysed_again(project: Path, cache: Path) -> None:
    """A file of the right code whose entries lie about their shape: each bad entry is
    analysed again instead of being trusted."""
    assert problems(project) == []
    path = cache / FILE_NAME
    kept = json.loads(path.read_text(encoding="utf-8"))
    kept["facts"] = {digest: {"error": "no", "uses": 3} for digest in kept["facts"]}
    path.write_text(json.dumps(kept), encoding="utf-8")
    new_process()
    (project / MAIL).write_text("{{ answers.nickname }}", encoding="utf-8")
    reported = problems(project)
    assert any("E051" in p and "answers.nickname" in p for p in reported)
    assert len(reported) == 1  # the damaged entries did not turn into false problems


def test_an_unwritable_folder_costs_only_time(project: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("", encoding="utf-8")
    STORE.keep_in(not_a_folder)
    try:
        assert problems(project) == []
        (project / MAIL).write_text("{{ answers.nickname }}", encoding="utf-8")
        assert any("answers.nickname" in p for p in problems(project))
    finally:
        STORE.keep_in(None)
        STORE.forget()
