"""The process as a graph: every state reachable, no dead ends, nothing leaves a final state."""

from __future__ import annotations

from ..spec.process import ByLink, ByTimer
from .context import CheckContext


def check_graph(ctx: CheckContext) -> None:
    process = ctx.workflow.process
    states = {s.id: s for s in process.states}
    outgoing: dict[str, list[int]] = {s: [] for s in states}
    for i, transition in enumerate(process.transitions):
        for source in transition.source:
            if source in outgoing:
                outgoing[source].append(i)
    reachable = {process.initial} if process.initial in states else set()
    frontier = list(reachable)
    while frontier:
        state = frontier.pop()
        for i in outgoing[state]:
            target = process.transitions[i].to
            if target is not None and target in states and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    for index, state in enumerate(process.states):
        path = ("process", "states", index)
        if state.id not in reachable and process.initial in states:
            ctx.report(
                "E030",
                f"state '{state.id}' cannot be reached from the initial state '{process.initial}'",
                (*path, "id"),
                "add a transition to it, or remove it",
                where=False,
            )
        leaving = [
            i for i in outgoing[state.id] if process.transitions[i].to not in (None, state.id)
        ]
        if state.final and outgoing[state.id]:
            first = process.transitions[outgoing[state.id][0]]
            ctx.report(
                "E032",
                f"final state '{state.id}' has an outgoing transition '{first.id}'",
                ("process", "transitions", outgoing[state.id][0], "from"),
                "a final state ends the request: remove the transition or 'final: true'",
                where=False,
            )
        elif not state.final and not leaving:
            ctx.report(
                "E031",
                f"state '{state.id}' is not final but no transition leaves it",
                (*path, "id"),
                "add a transition from it, or mark it 'final: true'",
                where=False,
            )
    for i, transition in enumerate(process.transitions):
        path = ("process", "transitions", i)
        automatic = isinstance(transition.by, ByTimer | ByLink)
        if automatic and transition.comment is not None and transition.comment.required:
            ctx.report(
                "E033",
                "a transition fired by a timer or a link cannot require a comment",
                (*path, "comment"),
                "nobody is there to type it: remove 'required'",
            )
