"""Retention rules: each covers states (named, or through their category), no state is
covered twice, durations and the notice's mail exist."""

from __future__ import annotations

from ..actions.registry import Reference
from .context import CheckContext
from .references import _check_duration, _check_reference


def check_retention(ctx: CheckContext) -> None:
    wf = ctx.workflow
    states = {s.id for s in wf.process.states}
    categories = {c.id for c in wf.process.categories}
    covered: dict[str, str] = {}
    for i, rule in enumerate(wf.retention):
        path = ("retention", i)
        if not rule.states and not rule.categories:
            ctx.report(
                "E075",
                "a retention rule needs 'states' or 'categories'",
                path,
                "name the states whose requests it erases, or their categories",
            )
        chosen: list[str] = []
        for j, state in enumerate(rule.states):
            if state not in states:
                ctx.unknown("E014", "state", state, states, (*path, "states", j))
            else:
                chosen.append(state)
        for j, category in enumerate(rule.categories):
            if category not in categories:
                ctx.unknown("E022", "category", category, categories, (*path, "categories", j))
            else:
                chosen.extend(s.id for s in wf.process.states if s.category == category)
        for state in dict.fromkeys(chosen):
            if state in covered:
                ctx.report(
                    "E075",
                    f"state '{state}' is already covered by retention rule '{covered[state]}'",
                    path,
                    "a request's data has one retention period: keep the state in one rule",
                )
            else:
                covered[state] = rule.id
        _check_duration(ctx, rule.after, (*path, "after"))
        if rule.notice is not None:
            _check_duration(ctx, rule.notice.before, (*path, "notice", "before"))
            _check_reference(
                ctx, Reference("template", rule.notice.template), (*path, "notice", "template")
            )
