"""State shared by the checks of one workflow: what is declared, and where to report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..spec.locate import Locator
from ..spec.workflow import Workflow
from .diagnostics import Diagnostic
from .loader import LoadedWorkflow
from .scope import Scope
from .shape import describe, suggestion

PathT = Sequence[str | int]


@dataclass
class CheckContext:
    loaded: LoadedWorkflow
    workflow: Workflow
    scope: Scope
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Set while checking another file of the project (a sub-form): where paths are found.
    document: Locator | None = None

    @property
    def locator(self) -> Locator:
        return self.document or self.loaded.locator

    def report(
        self,
        code: str,
        message: str,
        path: PathT,
        hint: str | None = None,
        *,
        key: bool = False,
        locator: Locator | None = None,
        where: bool = True,
    ) -> None:
        locator = locator or self.locator
        text = message + (describe(locator, path) if where else "")
        self.diagnostics.append(Diagnostic(code, text, locator.at(path, key=key), hint))

    def unknown(
        self,
        code: str,
        what: str,
        name: str,
        known: Iterable[str],
        path: PathT,
        hint: str | None = None,
        locator: Locator | None = None,
    ) -> None:
        """`unknown state 'valdated' in transition 'approve' (did you mean 'validated'?)`"""
        if code == "E011" and what == "field" and not self.scope.complete:
            return  # perhaps a field of the missing form, reported once where it is included
        known = list(known)
        where = describe(locator or self.locator, path)
        message = f"unknown {what} '{name}'{where}{suggestion(name, known)}"
        if hint is None and known and len(known) <= 12:
            hint = f"declared: {', '.join(sorted(known))}"
        self.diagnostics.append(Diagnostic(code, message, (locator or self.locator).at(path), hint))
