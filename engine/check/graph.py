"""The process as a graph: every state reachable, no dead ends, nothing leaves a final state."""

from __future__ import annotations

from ..spec.fields import SessionField
from ..spec.process import SEAT_FREED, SESSION_CHANGED, ByEvent, ByLink, ByTimer
from .context import CheckContext


def check_seat_events(ctx: CheckContext) -> None:
    """A transition fired when a seat frees gives that seat to the request: it leads from states
    that hold none to a state that holds one, in a workflow whose requests have a session."""
    process = ctx.workflow.process
    states = {s.id: s for s in process.states}
    has_sessions = any(isinstance(f, SessionField) for f in ctx.scope.fields.values())
    for i, transition in enumerate(process.transitions):
        by = transition.by
        if not isinstance(by, ByEvent) or by.event != SEAT_FREED:
            continue
        path = ("process", "transitions", i)
        target = states.get(transition.to or "")
        if not has_sessions:
            ctx.report(
                "E071",
                "fired when a seat frees, but the wizard has no session field",
                (*path, "by", "event"),
                "add a field of type session, or fire the transition otherwise",
            )
        elif transition.to is None or (target is not None and not target.holds_seat):
            ctx.report(
                "E071",
                "fired when a seat frees, so it must lead to a state that holds a seat",
                (*path, "to"),
                "mark its 'to' state 'holds_seat: true'",
            )
        for j, source in enumerate(transition.source):
            state = states.get(source)
            if state is not None and state.holds_seat:
                ctx.report(
                    "E071",
                    f"fired when a seat frees from state '{source}', which already holds one",
                    (*path, "from", j),
                    "fire it from a waiting state (one without 'holds_seat')",
                )


def check_session_change_events(ctx: CheckContext) -> None:
    """The worker raises `session_changed` for the requests that held a seat when their
    session's dates or place changed: a transition listening to it leaves states that hold
    one, in a workflow whose requests have a session."""
    process = ctx.workflow.process
    states = {s.id: s for s in process.states}
    has_sessions = any(isinstance(f, SessionField) for f in ctx.scope.fields.values())
    for i, transition in enumerate(process.transitions):
        by = transition.by
        if not isinstance(by, ByEvent) or by.event != SESSION_CHANGED:
            continue
        path = ("process", "transitions", i)
        if not has_sessions:
            ctx.report(
                "E080",
                "fired when a session changes, but the wizard has no session field",
                (*path, "by", "event"),
                "add a field of type session, or fire the transition otherwise",
            )
            continue
        for j, source in enumerate(transition.source):
            state = states.get(source)
            if state is not None and not state.holds_seat:
                ctx.report(
                    "E080",
                    f"fired when a session changes from state '{source}', which holds no "
                    "seat: its requests are never told",
                    (*path, "from", j),
                    "list only states with 'holds_seat: true' in 'from'",
                )


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
        if state.final and leaving:
            # A transition that stays (actions only: a mail after the session) is allowed.
            first = process.transitions[leaving[0]]
            ctx.report(
                "E032",
                f"final state '{state.id}' has an outgoing transition '{first.id}'",
                ("process", "transitions", leaving[0], "from"),
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
        automatic = isinstance(transition.by, ByTimer | ByLink | ByEvent)
        if automatic and transition.comment is not None and transition.comment.required:
            ctx.report(
                "E033",
                "a transition fired by a timer or a link cannot require a comment",
                (*path, "comment"),
                "nobody is there to type it: remove 'required'",
            )
