"""Loading a workflow and every file it uses into one `LoadedWorkflow`, never raising.

Files are found relative to the project root: the folder holding `workflows/` (or, for a
workflow file outside a `workflows/` folder, the file's own folder), with `forms/`,
`mail_templates/` and `pdf_layouts/` beside it."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..spec.fields import BaseField
from ..spec.form import FormGroup
from ..spec.layout import PdfLayout
from ..spec.locate import Locator
from ..spec.source import Position, SourceList, parse_yaml
from ..spec.workflow import Workflow
from ..spec_types import IDENTIFIER_PATTERN
from .diagnostics import Diagnostic
from .shape import must_be_mapping, validation_diagnostics, yaml_problem_diagnostics

MAIL_PARTS = ("subject.txt", "body.txt", "body.html")

M = TypeVar("M", bound=BaseModel)


def project_root(workflow_path: Path) -> Path:
    parent = workflow_path.resolve().parent
    return parent.parent if parent.name == "workflows" else parent


@dataclass(slots=True)
class LoadedDocument(Generic[M]):
    """A YAML file of the project (form or layout), its model if valid, and its locator."""

    name: str
    display: str
    model: M | None
    locator: Locator


@dataclass(slots=True)
class MailSource:
    name: str
    folder: str
    parts: dict[str, str] = field(default_factory=dict)  # part file name -> text


@dataclass(slots=True)
class LoadedWorkflow:
    path: Path
    root: Path
    display: str
    raw: Any
    locator: Locator
    workflow: Workflow | None
    forms: dict[str, LoadedDocument[FormGroup]] = field(default_factory=dict)
    layouts: dict[str, LoadedDocument[PdfLayout]] = field(default_factory=dict)
    mails: dict[str, MailSource] = field(default_factory=dict)
    # Shared frames that mails extend (`{% extends "_layouts/base.html" %}`), by file name.
    mail_layouts: dict[str, str] = field(default_factory=dict)
    # The workflows its actions invite to (`invite: {workflow: ...}`), by id: read with the
    # workflow's own files (the checker reads their given fields), absent when no file.
    invited: dict[str, LoadedDocument[Workflow]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # The forms the steps include that could not be read: their fields are unknown.
    missing_forms: set[str] = field(default_factory=set)

    @property
    def content_hash(self) -> str:
        """Identifies this exact version of the workflow and every file it uses."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(self.files[name].encode())
            digest.update(b"\0")
        return digest.hexdigest()


class _Reader:
    """Reads project files once each, recording their text for the content hash."""

    def __init__(self, root: Path, files: dict[str, str]) -> None:
        self.root = root
        self.files = files

    def display(self, path: Path) -> str:
        try:
            return os.path.relpath(path)
        except ValueError:  # another drive on Windows
            return str(path)

    def read(self, path: Path) -> tuple[str | None, str]:
        display = self.display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None, display
        try:
            key = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            key = path.name
        self.files[key] = text
        return text, display


def _unreadable(display: str, what: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic("E007", f"cannot read {what}", Position(display, 1, 1), hint)


def _load_yaml_document(
    reader: _Reader,
    path: Path,
    name: str,
    model: type[M],
    what: str,
    diagnostics: list[Diagnostic],
) -> LoadedDocument[M] | None:
    if not path.is_file():
        return None
    text, display = reader.read(path)
    fallback = Position(display, 1, 1)
    if text is None:
        diagnostics.append(_unreadable(display, what))
        return LoadedDocument(name, display, None, Locator(None, fallback))
    loaded = parse_yaml(text, display)
    diagnostics.extend(yaml_problem_diagnostics(loaded.problems))
    locator = Locator(loaded.value, fallback)
    if loaded.value is None:
        return LoadedDocument(name, display, None, locator)
    problems = must_be_mapping(loaded.value, locator, f"a {what}")
    if problems:
        diagnostics.extend(problems)
        return LoadedDocument(name, display, None, locator)
    try:
        document = model.model_validate(loaded.value)
    except ValidationError as error:
        diagnostics.extend(validation_diagnostics(error, locator))
        document = None
    return LoadedDocument(name, display, document, locator)


def _include_items(raw: Any) -> Iterator[tuple[SourceList, int, str]]:
    """Every `- include: name` item in the steps' field lists, as (list, index, name)."""
    steps = raw.get("wizard", {}).get("steps") if isinstance(raw.get("wizard"), dict) else None
    if not isinstance(steps, list):
        return
    for step in steps:
        fields = step.get("fields") if isinstance(step, dict) else None
        if not isinstance(fields, SourceList):
            continue
        for index, item in enumerate(fields):
            if isinstance(item, dict) and isinstance(item.get("include"), str):
                yield fields, index, item["include"]


def _expand_includes(loaded: LoadedWorkflow, reader: _Reader) -> None:
    """Splices the fields of included forms into the raw steps, keeping their own positions,
    so that later errors point into the form file where the field is written."""
    done: set[int] = set()  # one list may be shared by several steps through a YAML alias
    for fields, index, name in reversed(list(_include_items(loaded.raw))):
        if id(fields) in done and not _is_include(fields, index, name):
            continue
        done.add(id(fields))
        if not re.fullmatch(IDENTIFIER_PATTERN, name):
            continue  # not a form id (perhaps a path): refused by validation, never read
        position = fields.item_positions[index]
        form = _load_form(loaded, reader, name)
        if form is None or form.model is None:
            loaded.missing_forms.add(name)
        if form is None:
            known = sorted(p.stem for p in (loaded.root / "forms").glob("*.yaml"))
            close = difflib.get_close_matches(name, known, n=1)
            loaded.diagnostics.append(
                Diagnostic(
                    "E019",
                    f"unknown form '{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""),
                    position,
                    f"create forms/{name}.yaml",
                )
            )
            continue
        form_fields = form.locator.node(("fields",))
        if not isinstance(form_fields, SourceList):
            continue
        del fields[index]
        del fields.item_positions[index]
        fields[index:index] = list(form_fields)
        fields.item_positions[index:index] = form_fields.item_positions


def _is_include(fields: SourceList, index: int, name: str) -> bool:
    item = fields[index] if index < len(fields) else None
    return isinstance(item, dict) and item.get("include") == name


def _load_form(
    loaded: LoadedWorkflow, reader: _Reader, name: str
) -> LoadedDocument[FormGroup] | None:
    if name not in loaded.forms:
        document = _load_yaml_document(
            reader,
            loaded.root / "forms" / f"{name}.yaml",
            name,
            FormGroup,
            "form",
            loaded.diagnostics,
        )
        if document is None:
            return None
        loaded.forms[name] = document
    return loaded.forms[name]


def _load_referenced_files(loaded: LoadedWorkflow, reader: _Reader) -> None:
    workflow = loaded.workflow
    if workflow is None:
        return
    for step in workflow.wizard.steps:
        for item in step.fields:
            form = item.sub_form() if isinstance(item, BaseField) else None
            if form is not None:
                _load_form(loaded, reader, form)
    for document in workflow.documents:
        if document.layout is None or document.layout in loaded.layouts:
            continue
        layout = _load_yaml_document(
            reader,
            loaded.root / "pdf_layouts" / f"{document.layout}.yaml",
            document.layout,
            PdfLayout,
            "PDF layout",
            loaded.diagnostics,
        )
        if layout is not None:
            loaded.layouts[document.layout] = layout
    for transition in workflow.process.transitions:
        for action in transition.actions:
            # `send_mail` names its template `template`; an action that mails once its call is
            # made (`lms_user`) names it `mail`.
            for name in ("template", "mail"):
                template = getattr(action.params, name, None)
                if isinstance(template, str) and template not in loaded.mails:
                    _load_mail(loaded, reader, template)
            invited = getattr(action.params, "workflow", None)
            if isinstance(invited, str) and invited not in loaded.invited:
                # Its own problems are reported when it is checked, not here.
                document = _load_yaml_document(
                    reader,
                    loaded.root / "workflows" / f"{invited}.yaml",
                    invited,
                    Workflow,
                    "workflow",
                    [],
                )
                if document is not None:
                    loaded.invited[invited] = document
    for start in workflow.wizard.start_actions:
        if start.mail is not None and start.mail not in loaded.mails:
            _load_mail(loaded, reader, start.mail)
    for rule in workflow.retention:
        if rule.notice is not None and rule.notice.template not in loaded.mails:
            _load_mail(loaded, reader, rule.notice.template)
    _load_mail_layouts(loaded, reader)


MAIL_LAYOUTS = "_layouts"


def _load_mail_layouts(loaded: LoadedWorkflow, reader: _Reader) -> None:
    folder = loaded.root / "mail_templates" / MAIL_LAYOUTS
    if not loaded.mails or not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.is_file():
            text, display = reader.read(path)
            if text is None:
                loaded.diagnostics.append(_unreadable(display, "the mail layout"))
            else:
                loaded.mail_layouts[path.name] = text


def _load_mail(loaded: LoadedWorkflow, reader: _Reader, name: str) -> None:
    folder = loaded.root / "mail_templates" / name
    if not folder.is_dir():
        return
    mail = MailSource(name, reader.display(folder))
    for part in MAIL_PARTS:
        path = folder / part
        if path.is_file():
            text, display = reader.read(path)
            if text is None:
                loaded.diagnostics.append(_unreadable(display, "the mail template part"))
            else:
                mail.parts[part] = text
    loaded.mails[name] = mail


def load_workflow(path: Path) -> LoadedWorkflow:
    files: dict[str, str] = {}
    root = project_root(path)
    reader = _Reader(root, files)
    text, display = reader.read(path)
    fallback = Position(display, 1, 1)
    loaded = LoadedWorkflow(path, root, display, None, Locator(None, fallback), None, files=files)
    if text is None:
        loaded.diagnostics.append(
            _unreadable(display, "the workflow file", "check the path and that the file is UTF-8")
        )
        return loaded
    parsed = parse_yaml(text, display)
    loaded.diagnostics.extend(yaml_problem_diagnostics(parsed.problems))
    loaded.raw = parsed.value
    loaded.locator = Locator(parsed.value, fallback)
    if parsed.value is None:
        return loaded
    shape = must_be_mapping(parsed.value, loaded.locator, "a workflow file")
    if shape:
        loaded.diagnostics.extend(shape)
        return loaded
    _expand_includes(loaded, reader)
    try:
        loaded.workflow = Workflow.model_validate(loaded.raw)
    except ValidationError as error:
        loaded.diagnostics.extend(validation_diagnostics(error, loaded.locator))
    _load_referenced_files(loaded, reader)
    return loaded
