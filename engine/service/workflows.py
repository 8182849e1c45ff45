"""The workflows a running instance serves: the current version of each file in workflows/,
and any earlier version a request is pinned to (kept in the database with its files)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..check.diagnostics import Diagnostic
from ..check.loader import load_workflow
from ..compiled import CompiledWorkflow, SpecError, compile_loaded
from ..store.models import SpecVersion


class UnknownVersion(LookupError):
    """A request names a spec version that is neither current nor stored."""


class WorkflowRegistry:
    def __init__(self, current: dict[str, CompiledWorkflow]) -> None:
        self.current = current
        self._by_hash = {c.content_hash: c for c in current.values()}
        self._paths = {c.spec.wizard.path: c for c in current.values()}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, project_dir: Path) -> WorkflowRegistry:
        """Every workflow of the project; raises SpecError with all problems of all files."""
        compiled: dict[str, CompiledWorkflow] = {}
        problems: list[Diagnostic] = []
        paths = sorted((project_dir / "workflows").glob("*.yaml"))
        for path in paths:
            try:
                workflow = compile_loaded(load_workflow(path))
            except SpecError as error:
                problems.extend(error.diagnostics)
                continue
            compiled[workflow.spec.id] = workflow
        if problems:
            raise SpecError(problems)
        if not compiled:
            raise SpecError([])
        return cls(compiled)

    def by_path(self, path: str) -> CompiledWorkflow | None:
        return self._paths.get(path)

    def get(self, workflow_id: str) -> CompiledWorkflow | None:
        return self.current.get(workflow_id)

    def remember(self, db: Session, compiled: CompiledWorkflow) -> None:
        """Stores this version's files once, so requests started now can run under it later."""
        if db.get(SpecVersion, compiled.content_hash) is None:
            db.add(
                SpecVersion(
                    content_hash=compiled.content_hash,
                    workflow_id=compiled.spec.id,
                    files=dict(compiled.files),
                )
            )
            db.flush()

    def version(self, db: Session, content_hash: str) -> CompiledWorkflow:
        """The compiled workflow a request is pinned to."""
        found = self._by_hash.get(content_hash)
        if found is not None:
            return found
        with self._lock:
            found = self._by_hash.get(content_hash)
            if found is not None:
                return found
            row = db.execute(
                select(SpecVersion).where(SpecVersion.content_hash == content_hash)
            ).scalar_one_or_none()
            if row is None:
                raise UnknownVersion(content_hash)
            found = _compile_files(row.workflow_id, row.files)
            self._by_hash[content_hash] = found
            return found


def _compile_files(workflow_id: str, files: dict[str, str]) -> CompiledWorkflow:
    """Recreates the project as it was (same relative paths, so the same content hash) and
    compiles it from there."""
    with tempfile.TemporaryDirectory(prefix="workflow-version-") as folder:
        root = Path(folder)
        main = None
        for name, text in files.items():
            target = (root / name).resolve()
            if root.resolve() not in target.parents:
                continue  # a stored name must stay inside the folder
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            if name.startswith("workflows/") and name.endswith(".yaml"):
                main = main or target
        candidates = [root / "workflows" / f"{workflow_id}.yaml", main]
        path = next((p for p in candidates if p is not None and p.exists()), None)
        if path is None:
            raise UnknownVersion(workflow_id)
        return compile_loaded(load_workflow(path))
