"""The process as a Mermaid state diagram (`onboarding diagram`)."""

from __future__ import annotations

from .spec.process import ByEvent, ByLink, ByRoles, ByTimer, Transition
from .spec.workflow import Workflow
from .spec_types import localized


def _who(transition: Transition) -> str:
    by = transition.by
    if isinstance(by, ByRoles):
        return ", ".join(by.roles)
    if isinstance(by, ByLink):
        return f"link {by.link}"
    if isinstance(by, ByTimer) and isinstance(by.timer, str):
        return f"after {by.timer}"
    if isinstance(by, ByTimer):
        side = "before" if by.timer.before is not None else "after"
        return f"{by.timer.delay} {side} {by.timer.date}"
    if isinstance(by, ByEvent):
        return f"on {by.event}"
    return "applicant"


def _escape(text: str) -> str:
    # Mermaid labels end at a colon-less newline and break on some characters.
    return text.replace('"', "'").replace("\n", " ").replace(":", " -").replace(";", ",")


def mermaid(workflow: Workflow) -> str:
    locale = workflow.locale
    lines = ["stateDiagram-v2", f"    [*] --> {workflow.process.initial}"]
    for state in workflow.process.states:
        label = _escape(localized(state.label, locale, locale))
        lines.append(f'    state "{label}" as {state.id}')
    for transition in workflow.process.transitions:
        label = _escape(f"{localized(transition.label, locale, locale)} ({_who(transition)})")
        for source in transition.source:
            lines.append(f"    {source} --> {transition.to or source} : {label}")
    for state in workflow.process.states:
        if state.final:
            lines.append(f"    {state.id} --> [*]")
    return "\n".join(lines) + "\n"
