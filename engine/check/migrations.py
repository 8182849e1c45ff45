"""The state mapping of `migrations:`: each old state maps to a state this version declares, and
the old state is gone (a state still declared keeps its requests where they are)."""

from __future__ import annotations

from .context import CheckContext


def check_migrations(ctx: CheckContext) -> None:
    states = {s.id for s in ctx.workflow.process.states}
    for old, new in ctx.workflow.migrations.from_states.items():
        path = ("migrations", "from_states", old)
        if new not in states:
            ctx.unknown("E014", "state", new, states, path)
        if old in states:
            ctx.report(
                "E100",
                f"state '{old}' is still declared: its requests need no migration",
                path,
                "map only the states this version removed or renamed",
            )
