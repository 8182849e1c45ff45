"""One `transitions` Machine per compiled workflow, shared by every request.

The machine holds no model (`model=None`): each firing passes a throw-away wrapper of the
request's state, as the library allows, instead of adding one model per request, which its
documentation warns against for large numbers of models. `auto_transitions=False` keeps the
machine to the declared transitions only (no `to_<state>()` shortcuts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transitions import EventData, Machine

from ..expr import Expression, parse
from ..spec.process import SEAT_FREED, ByEvent, Process


class StateHolder:
    """The thin wrapper the machine reads and writes `state` on during one firing."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def _guard(expression: Expression) -> Any:
    def holds(event: EventData) -> bool:
        context: Mapping[str, Any] = event.kwargs["context"]
        return expression.is_true(context)

    return holds


def build_machine(process: Process) -> tuple[Machine, dict[str, Expression]]:
    conditions: dict[str, Expression] = {}
    machine = Machine(
        model=None,
        states=[state.id for state in process.states],
        initial=process.initial,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    for transition in process.transitions:
        guards = []
        condition = transition.condition
        if isinstance(transition.by, ByEvent) and transition.by.event == SEAT_FREED:
            # The event's own guard: a seat is free when the firing is decided, and again when
            # it is written (under the session's lock, like every condition).
            seat = "session.seats_left > 0"
            condition = seat if condition is None else f"{seat} and ({condition})"
        if condition is not None:
            conditions[transition.id] = parse(condition)
            guards.append(_guard(conditions[transition.id]))
        machine.add_transition(
            trigger=transition.id,
            source=list(transition.source),
            dest=transition.to,  # None: an internal transition that keeps the state
            conditions=guards,
        )
    return machine, conditions
