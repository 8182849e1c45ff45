"""`onboarding diff`, `onboarding migrate` and the database part of `onboarding validate`:
what changed between two versions of a workflow, the requests each change touches, and moving
requests to the current version. Problems are reported in a sentence, never a traceback."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.check.diagnostics import render_text
from engine.compiled import CompiledWorkflow, SpecError, load_compiled
from engine.config import AppSettings
from engine.service.version_counts import (
    AmbiguousVersion,
    VersionCounts,
    stored_version,
    stranded,
    version_counts,
)
from engine.service.version_moves import MovePlan, Mover, UnsafeMoves, move_requests, plan_moves
from engine.service.workflows import UnknownVersion, WorkflowRegistry
from engine.spec_diff import KINDS, affected, describe, spec_changes
from engine.store.db import make_engine, make_session_factory

from .prepare import prepare

SIGNS = {"added": "+", "removed": "-", "changed": "~"}


class Refused(Exception):
    """What the operator asked cannot be done; the message says why."""


def _engine(url: str | None) -> Engine | None:
    """The database given by --database, else ONBOARDING_DATABASE_URL; None without either."""
    chosen = url or AppSettings().database_url
    return make_engine(chosen) if chosen else None


def _resolve(given: str, db: Session | None) -> CompiledWorkflow:
    """A workflow file, or a stored version named by the start of its hash."""
    path = Path(given)
    if path.exists():
        try:
            return load_compiled(path)
        except SpecError as error:
            print(render_text(error.diagnostics), file=sys.stderr)
            raise Refused(f"{given} has errors: fix them first") from error
    if db is None:
        raise Refused(f"no file {given}; to name a stored version, give --database")
    try:
        row = stored_version(db, given)
        return WorkflowRegistry({}).version(db, row.content_hash)
    except (AmbiguousVersion, UnknownVersion) as error:
        raise Refused(str(error)) from error


def _current_file(old: CompiledWorkflow) -> CompiledWorkflow:
    path = AppSettings().project_dir / "workflows" / f"{old.spec.id}.yaml"
    if not path.exists():
        raise Refused(f"no current file for workflow '{old.spec.id}' ({path}); give NEW")
    return _resolve(str(path), None)


def _report_diff(
    old: CompiledWorkflow, new: CompiledWorkflow, counts: VersionCounts | None, form: str
) -> None:
    changes = spec_changes(old, new)
    if form == "json":
        items = []
        for change in changes:
            item = describe(change)
            if counts is not None:
                item["requests"] = affected(change, counts.by_state, counts.drafts)
            items.append(item)
        print(
            json.dumps(
                {
                    "workflow": old.spec.id,
                    "old": old.content_hash,
                    "new": new.content_hash,
                    "changes": items,
                },
                indent=2,
            )
        )
        return
    print(f"{old.spec.id}: {old.content_hash[:12]} → {new.content_hash[:12]}")
    if not changes:
        print("  no change")
    for kind in KINDS:
        of_kind = [c for c in changes if c.kind == kind]
        if not of_kind:
            continue
        print(f"{kind}s")
        for change in of_kind:
            line = f"  {SIGNS[change.how]} {change.id}"
            if counts is not None:
                n = affected(change, counts.by_state, counts.drafts)
                line = f"{line:<40} {n} request(s)" + (" (drafts)" if change.drafts_only else "")
            print(line)
    if counts is not None:
        total = sum(counts.by_state.values())
        print(f"{total} request(s) pinned to {old.content_hash[:12]}")


def diff(old: str, new: str | None, database: str | None, form: str) -> int:
    try:
        engine = _engine(database)
        if engine is None:
            before = _resolve(old, None)
            after = _resolve(new, None) if new else _current_file(before)
            _report_diff(before, after, None, form)
            return 0
        with make_session_factory(engine)() as db:
            before = _resolve(old, db)
            after = _resolve(new, db) if new else _current_file(before)
            counts = version_counts(db, before.spec.id, before.content_hash)
        _report_diff(before, after, counts, form)
        return 0
    except Refused as error:
        print(str(error), file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"the database cannot be read: {error.__class__.__name__}", file=sys.stderr)
        return 1


def _report_plan(plan: MovePlan, dry_run: bool) -> None:
    verb = "would move" if dry_run else "moved"
    movable = [m for m in plan.moves if m.to_state is not None]
    print(f"{plan.workflow_id} → {plan.to_hash[:12]}: {verb} {len(movable)} request(s)")
    lines = Counter(
        f"{m.from_state} → {m.to_state}" if m.from_state != m.to_state else m.from_state
        for m in movable
    )
    for line, n in sorted(lines.items()):
        print(f"  {line}: {n}")
    for move in movable:
        if move.resume_step is not None:
            print(f"  draft {move.key}: back to step {move.resume_step} on its next visit")
    if plan.refused:
        print(f"refused: {len(plan.refused)} request(s) in removed states with no mapping")
        for state, n in sorted(plan.refused_states().items()):
            keys = ", ".join(m.key for m in plan.refused if m.from_state == state)
            print(f"  {state} ({n}): {keys}")
        print("  map each state in the workflow's migrations.from_states, then run again")


def migrate(workflow_ids: list[str], dry_run: bool) -> int:
    prepared = prepare()
    if prepared is None:
        return 1
    registry = prepared.registry
    unknown = [w for w in workflow_ids if registry.get(w) is None]
    if unknown:
        known = ", ".join(registry.current)
        print(f"unknown workflow(s) {', '.join(unknown)} (known: {known})", file=sys.stderr)
        return 2
    status = 0
    mover = Mover("command", "onboarding migrate")
    with make_session_factory(prepared.engine)() as db:
        for workflow_id in workflow_ids or list(registry.current):
            if dry_run:
                plan = plan_moves(db, registry, workflow_id)
            else:
                try:
                    plan = move_requests(db, registry, workflow_id, mover)
                except UnsafeMoves as refused:
                    plan = refused.plan
                    print(f"{workflow_id}: nothing moved", file=sys.stderr)
                except StaleDataError:
                    db.rollback()
                    print(
                        f"{workflow_id}: a request changed while moving; nothing moved, run again",
                        file=sys.stderr,
                    )
                    status = 1
                    continue
            _report_plan(plan, dry_run or not plan.safe)
            if not plan.safe:
                status = 1
    return status


def stranded_report(registry: dict[str, CompiledWorkflow], database: str) -> list[str]:
    """Warnings about requests in states the given workflows no longer declare."""
    warnings = []
    engine = make_engine(database)
    try:
        with make_session_factory(engine)() as db:
            for compiled in registry.values():
                mapping = compiled.spec.migrations.from_states
                for state, n in sorted(stranded(db, compiled).items()):
                    where = (
                        f"migrations.from_states moves them to '{mapping[state]}'"
                        if state in mapping
                        else "no mapping in migrations.from_states: they cannot be migrated"
                    )
                    warnings.append(
                        f"warning: {n} request(s) of '{compiled.spec.id}' in state '{state}', "
                        f"which this version removed; {where}"
                    )
    except SQLAlchemyError as error:
        raise Refused(f"the database cannot be read: {error.__class__.__name__}") from error
    finally:
        engine.dispose()
    return warnings
