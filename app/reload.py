"""A running process takes edited workflows, forms, mails and layouts without a restart.

Each process that serves workflows (every web process of `serve --workers N`, the embedded or
standalone worker) watches the folders of the workflows it serves and, after each batch of
changes, loads its workflows again. A version with errors is refused: the last good one keeps
serving, and the errors are kept on the registry for the backoffice to show to admins. A good
one is stored in the database (its content hash is its name, so every process that loads the
same files agrees on it) and then served: requests started from then on start on it, requests
pinned to an earlier version keep theirs. Decision 0020 gives the reasons."""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path

import watchfiles
from sqlalchemy import Engine

from engine.check.diagnostics import Diagnostic
from engine.check.loader import project_root
from engine.compiled import SpecError
from engine.service.context import Runtime
from engine.service.setup import publish_versions
from engine.service.workflows import SELECTION_SETTING, WorkflowRegistry, served_paths
from engine.spec.source import Position

log = logging.getLogger("onboarding.reload")

# The folders of a project whose files make a workflow's version (engine/check/loader.py).
PROJECT_FOLDERS = ("workflows", "forms", "mail_templates", "pdf_layouts")
# Changes closer together than this are taken in one reload: an editor saving several files,
# or writing one in several steps.
DEBOUNCE_MS = 300


class Reloader:
    def __init__(self, runtime: Runtime, engine: Engine) -> None:
        self.runtime = runtime
        self.engine = engine

    def folders(self) -> list[Path]:
        """The project folders of every served workflow (its own project: an example's)."""
        settings = self.runtime.settings
        roots = {settings.project_dir.resolve()}
        # A served file removed since start-up: the project's folders are watched still.
        with contextlib.suppress(SpecError):
            served = served_paths(settings.project_dir, settings.workflows)
            roots.update(project_root(path) for path in served)
        return [
            root / name
            for root in sorted(roots)
            for name in PROJECT_FOLDERS
            if (root / name).is_dir()
        ]

    def reload(self) -> bool:
        """Loads the served workflows again; serves them if they are valid and need no
        restart, else keeps the current ones and records why. Says whether it took them."""
        settings = self.runtime.settings
        registry = self.runtime.registry
        try:
            newer = WorkflowRegistry.load(settings.project_dir, settings.workflows)
        except SpecError as error:
            return self._refuse(error.diagnostics or [_nothing_to_serve()])
        problems = registry.restart_needed(newer)
        if problems:
            return self._refuse(problems)
        taken = {c.content_hash for c in newer.current.values()}
        if taken != {c.content_hash for c in registry.current.values()}:
            # Stored first: a request another process starts on it may come here next.
            publish_versions(self.engine, newer)
            log.info(
                "workflows reloaded: %s",
                ", ".join(f"{i} {c.content_hash[:12]}" for i, c in sorted(newer.current.items())),
            )
        elif registry.problems:
            log.info("workflows back to a valid version")
        registry.adopt(newer)
        return True

    def _refuse(self, problems: list[Diagnostic]) -> bool:
        self.runtime.registry.refuse(problems)
        log.warning(
            "edited workflows not taken, the previous versions keep serving (%d problem(s)):\n%s",
            len(problems),
            "\n".join(str(p) for p in problems),
        )
        return False

    def watch(self, stop: threading.Event) -> None:
        """Reloads after each batch of changes until `stop` is set."""
        folders = self.folders()
        log.info("watching %s for changes", ", ".join(str(f) for f in folders))
        for _changes in watchfiles.watch(
            *folders, debounce=DEBOUNCE_MS, stop_event=stop, raise_interrupt=False
        ):
            try:
                self.reload()
            except Exception:  # the database unreachable, say: the next change tries again
                log.exception("reloading the workflows failed; the previous versions serve")


def start_watching(runtime: Runtime, engine: Engine) -> threading.Event | None:
    """Watches in a thread of this process (unless `ONBOARDING_RELOAD=false`); set the event
    returned to stop."""
    if not runtime.settings.reload:
        return None
    stop = threading.Event()
    thread = threading.Thread(
        target=Reloader(runtime, engine).watch, args=(stop,), name="reload", daemon=True
    )
    thread.start()
    return stop


def _nothing_to_serve() -> Diagnostic:
    return Diagnostic(
        "E105",
        "no workflow to serve",
        Position(SELECTION_SETTING, 1, 1),
        "put a workflow in workflows/ or name one",
    )
