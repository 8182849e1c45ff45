"""The workflows a running instance serves: the current version of each file it chose (every
file in workflows/, or those `ONBOARDING_WORKFLOWS` names), and any earlier version a request is
pinned to (kept in the database with its files). A running server takes new versions of the
same workflows (`adopt`) or keeps the last good ones with the reasons it refused the new
(`refuse`): see app/reload.py."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..check.diagnostics import Diagnostic
from ..check.loader import load_workflow
from ..compiled import CompiledWorkflow, SpecError, compile_loaded
from ..spec.fields import SessionField
from ..spec.source import Position
from ..store.models import SpecVersion

# The setting naming the workflows a deployment serves, as people write it in the environment.
SELECTION_SETTING = "ONBOARDING_WORKFLOWS"


class UnknownVersion(LookupError):
    """A request names a spec version that is neither current nor stored."""


def served_paths(project_dir: Path, selection: str = "") -> list[Path]:
    """The workflow files a deployment serves: those `selection` names, comma-separated (the
    id of a file of the project's `workflows/`, or the path of a YAML file, relative to the
    project folder), or every file of the project's `workflows/` when it names none."""
    names = [name.strip() for name in selection.split(",") if name.strip()]
    if not names:
        return sorted((project_dir / "workflows").glob("*.yaml"))
    paths: list[Path] = []
    problems: list[Diagnostic] = []
    for name in names:
        is_path = name.endswith((".yaml", ".yml")) or "/" in name
        path = project_dir / name if is_path else project_dir / "workflows" / f"{name}.yaml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in (project_dir / "workflows").glob("*.yaml")))
            problems.append(
                Diagnostic(
                    "E105",
                    f"no workflow '{name}' to serve: {path} is not a file",
                    Position(SELECTION_SETTING, 1, 1),
                    f"name a workflow of {project_dir / 'workflows'} ({known or 'none'}) or "
                    "the path of a workflow's YAML file",
                )
            )
        elif path not in paths:
            paths.append(path)
    if problems:
        raise SpecError(problems)
    return paths


class WorkflowRegistry:
    def __init__(
        self, current: dict[str, CompiledWorkflow], sources: dict[str, str] | None = None
    ) -> None:
        self.current = current
        # The file of each workflow, as diagnostics name it.
        self.sources = sources or {}
        self._by_hash = {c.content_hash: c for c in current.values()}
        self._paths = {c.spec.wizard.path: c for c in current.values()}
        self._lock = threading.Lock()
        # Why the files as they are now were not taken, while the last good versions serve.
        self.problems: tuple[Diagnostic, ...] = ()

    @classmethod
    def load(cls, project_dir: Path, selection: str = "") -> WorkflowRegistry:
        """The workflows the deployment serves (`served_paths`); raises SpecError with all
        problems of all files."""
        compiled: dict[str, CompiledWorkflow] = {}
        sources: dict[str, str] = {}
        problems: list[Diagnostic] = []
        for path in served_paths(project_dir, selection):
            loaded = load_workflow(path)
            try:
                workflow = compile_loaded(loaded)
            except SpecError as error:
                problems.extend(error.diagnostics)
                continue
            problems.extend(_clashes(workflow, compiled.values(), loaded.display))
            compiled[workflow.spec.id] = workflow
            sources[workflow.spec.id] = loaded.display
        problems.extend(_unserved_invitations(compiled, sources))
        if problems:
            raise SpecError(problems)
        if not compiled:
            raise SpecError([])
        return cls(compiled, sources)

    def adopt(self, newer: WorkflowRegistry) -> None:
        """Serves `newer`'s versions from now on: requests started from now on start on them,
        requests pinned to an earlier version keep it (kept compiled, found by its hash)."""
        with self._lock:
            self._by_hash = {**self._by_hash, **newer._by_hash}
            self._paths = dict(newer._paths)
            self.current = dict(newer.current)
            self.sources = dict(newer.sources)
            self.problems = ()

    def refuse(self, problems: list[Diagnostic]) -> None:
        """Keeps serving the current versions, remembering why the files were not taken."""
        self.problems = tuple(problems)

    def restart_needed(self, newer: WorkflowRegistry) -> list[Diagnostic]:
        """What `newer` changes that a running server cannot take: its routes are made once,
        from the set of workflows, their wizards' paths and whether they have a session."""
        problems = []
        for workflow_id in sorted(set(self.current) | set(newer.current)):
            old, new = self.current.get(workflow_id), newer.current.get(workflow_id)
            if old is None or new is None:
                change = "appeared" if old is None else "is no longer served"
                file = newer.sources.get(workflow_id) or self.sources.get(workflow_id, "?")
                problems.append(_restart(file, f"workflow '{workflow_id}' {change}"))
            elif _routes_of(old) != _routes_of(new):
                problems.append(
                    _restart(
                        newer.sources.get(workflow_id, "?"),
                        f"the wizard of '{workflow_id}' changed its path or its session field",
                    )
                )
        return problems

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


def _routes_of(compiled: CompiledWorkflow) -> tuple[str, bool]:
    has_session = any(isinstance(f, SessionField) for f in compiled.fields.values())
    return compiled.spec.wizard.path, has_session


def _restart(file: str, what: str) -> Diagnostic:
    return Diagnostic(
        "E107",
        f"{what}: the running server keeps the previous versions",
        Position(file, 1, 1),
        "restart the server to take this change",
    )


def _clashes(
    workflow: CompiledWorkflow, others: Iterable[CompiledWorkflow], file: str
) -> list[Diagnostic]:
    """Two served workflows with one id, or one wizard address: one would hide the other."""
    problems = []
    for other in others:
        for what, mine, theirs in (
            ("id", workflow.spec.id, other.spec.id),
            ("wizard path", workflow.spec.wizard.path, other.spec.wizard.path),
        ):
            if mine == theirs:
                problems.append(
                    Diagnostic(
                        "E106",
                        f"two served workflows have the {what} '{mine}'",
                        Position(file, 1, 1),
                        f"serve only one of them ({SELECTION_SETTING}) or rename one",
                    )
                )
    return problems


def _unserved_invitations(
    compiled: dict[str, CompiledWorkflow], sources: dict[str, str]
) -> list[Diagnostic]:
    """An `invite` action needs its workflow served too, or firing it would fail."""
    problems = []
    for workflow in compiled.values():
        for transition in workflow.spec.process.transitions:
            for action in transition.actions:
                invited = getattr(action.params, "workflow", None)
                if isinstance(invited, str) and invited not in compiled:
                    problems.append(
                        Diagnostic(
                            "E108",
                            f"'{workflow.spec.id}' invites to workflow '{invited}', "
                            "which this deployment does not serve",
                            Position(sources.get(workflow.spec.id, "?"), 1, 1),
                            f"add '{invited}' to {SELECTION_SETTING}",
                        )
                    )
    return problems
