"""The process: states, and the transitions between them with who may fire them, a condition,
and the actions they bind by name."""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Tag,
    create_model,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from ..actions.builtin import default_registry
from ..spec_types import DurationOrSetting, Identifier, SpecModel, Text, YamlBool, one_or_many
from .fields import Expression


class State(SpecModel):
    id: Identifier
    label: Text = Field(
        description="the state's name, in the backoffice and mails (`request.state_label`)"
    )
    category: Identifier
    final: YamlBool = Field(
        False, description="true: the request ends here; no transition may leave it"
    )
    holds_seat: YamlBool = Field(
        False,
        description="requests in this state take a seat of their training session",
    )
    description: Text | None = Field(None, description="what the state means, for operators")


class Category(SpecModel):
    """A tab of the backoffice queue grouping states."""

    id: Identifier
    label: Text = Field(description="the tab's name in the request list")


class ByLink(SpecModel):
    """Fired by following a signed link sent by mail (`links:` declares its lifetime)."""

    link: Identifier


class ByRoles(SpecModel):
    """Fired by a backoffice user holding one of the roles."""

    roles: tuple[Identifier, ...] = Field(
        min_length=1, description="the roles whose users may fire the transition"
    )


# The dates a timer may count from, besides the moment the request entered its state.
TIMER_DATES = {
    "session.starts_at": "the start of the request's training session",
    "session.ends_at": "the end of the request's training session",
    "request.submitted_at": "the moment the request was sent",
}


class DatedTimer(SpecModel):
    """A moment counted from a date of the request or of its session: `{before:
    session.starts_at, delay: 7d}` is seven days before the session starts, `{after:
    session.ends_at, delay: 2d}` two days after it ends. Write one of `before` and `after`."""

    before: str | None = Field(default=None, description="; ".join(TIMER_DATES))
    after: str | None = Field(default=None, description="; ".join(TIMER_DATES))
    delay: DurationOrSetting = "0s"

    @property
    def date(self) -> str | None:
        return self.before if self.before is not None else self.after


class ByTimer(SpecModel):
    """Fired by the worker: once the request has stayed this long in the `from` state (a
    duration), or once per request at a moment counted from one of its dates (while it is in
    a `from` state at that moment or later)."""

    timer: DurationOrSetting | DatedTimer


# The events the engine raises, and what each means; a transition listens with `by: {event}`.
SEAT_FREED = "seat_freed"
SESSION_CHANGED = "session_changed"
EVENTS = {
    SEAT_FREED: "a seat of the request's training session is free: fired by the worker, "
    "request after request in the order they entered the `from` state (the first arrived "
    "first), while the session has a seat left; the transition leads to a state that holds one",
    SESSION_CHANGED: "the dates or the place of the request's training session were changed "
    "while the request held a seat: fired by the worker, once per change, for each request "
    "then in a state that holds a seat (its `from` states hold one)",
}


class ByEvent(SpecModel):
    """Fired by the worker when the engine raises the event for the request."""

    event: Identifier = Field(description="; ".join(f"{k}: {v}" for k, v in EVENTS.items()))


def _actor_kind(value: Any) -> str:
    if isinstance(value, str):
        return "applicant"
    if isinstance(value, dict):
        for key in ("link", "roles", "timer", "event"):
            if key in value:
                return key
        return "roles"
    return type(value).__name__


Actor = Annotated[
    Annotated[Literal["applicant"], Tag("applicant")]
    | Annotated[ByLink, Tag("link")]
    | Annotated[ByRoles, Tag("roles")]
    | Annotated[ByTimer, Tag("timer")]
    | Annotated[ByEvent, Tag("event")],
    Discriminator(_actor_kind),
]


class CommentRule(SpecModel):
    """A comment asked for when the transition is fired (a rejection reason, for instance)."""

    required: YamlBool = Field(
        False, description="true: the transition cannot be fired without a comment"
    )
    label: Text = Field(
        {"fr": "Commentaire", "en": "Comment"}, description="the comment box's label"
    )


class ActionCall:
    """One entry of `actions:`: `{kind: params}` and an optional `when:` condition.

    The kind is looked up in the action registry when the YAML is validated, so kinds added by
    an application are accepted, and an unknown kind is an error with its place."""

    __slots__ = ("kind", "params", "when")

    def __init__(self, kind: str, params: BaseModel, when: str | None) -> None:
        self.kind = kind
        self.params = params
        self.when = when

    def __repr__(self) -> str:
        return f"ActionCall({self.kind!r}, {self.params!r}, when={self.when!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActionCall) and (
            (self.kind, self.params, self.when) == (other.kind, other.params, other.when)
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.when))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(_validate_action_call)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        alternatives = []
        for kind in default_registry():
            params = handler(kind.params.__pydantic_core_schema__)
            alternatives.append(
                {
                    "type": "object",
                    "description": kind.description,
                    "properties": {
                        kind.name: {"anyOf": [params, {"type": "null"}]}
                        if not kind.params.model_fields
                        else params,
                        "when": {"type": "string", "description": "a condition"},
                    },
                    "required": [kind.name],
                    "additionalProperties": False,
                }
            )
        return {"oneOf": alternatives}


def _wrapper_for(kind_name: str) -> type[BaseModel]:
    """A model `{kind: Params, when: str | None}`, so pydantic reports errors at
    `actions.N.kind.param` like everywhere else."""
    cached = _WRAPPERS.get(kind_name)
    if cached is not None:
        return cached
    kind = default_registry().get(kind_name)
    assert kind is not None  # callers look the kind up first
    wrapper = create_model(
        f"{kind_name}_action",
        __config__=ConfigDict(extra="forbid", frozen=True),
        when=(Expression | None, None),
        **{kind_name: (kind.params, ...)},  # type: ignore[call-overload]
    )
    _WRAPPERS[kind_name] = wrapper
    return wrapper


_WRAPPERS: dict[str, type[BaseModel]] = {}


def _validate_action_call(value: Any) -> ActionCall:
    if isinstance(value, ActionCall):
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "action_shape", "an action is a mapping such as `send_mail: {template: ...}`"
        )
    kinds = [key for key in value if key != "when"]
    if len(kinds) != 1:
        raise PydanticCustomError(
            "action_shape",
            "an action names exactly one kind, found {count}: {kinds}",
            {"count": len(kinds), "kinds": ", ".join(map(str, kinds)) or "none"},
        )
    kind_name = str(kinds[0])
    registry = default_registry()
    if registry.get(kind_name) is None:
        close = difflib.get_close_matches(kind_name, registry.names(), n=1)
        raise PydanticCustomError(
            "unknown_action",
            "unknown action kind '{kind}'{suggestion}",
            {
                "kind": kind_name,
                "suggestion": f" (did you mean '{close[0]}'?)" if close else "",
                "known": ", ".join(registry.names()),
            },
        )
    data = dict(value)
    if data[kind_name] is None:
        data[kind_name] = {}
    wrapper = _wrapper_for(kind_name).model_validate(data)
    return ActionCall(kind_name, getattr(wrapper, kind_name), wrapper.when)  # type: ignore[attr-defined]


class Transition(SpecModel):
    id: Identifier
    label: Text = Field(description="the button's text")
    source: one_or_many(Identifier) = Field(alias="from")  # type: ignore[valid-type]
    to: Identifier | None = Field(
        default=None, description="the new state; leave out to stay (actions only)"
    )
    by: Actor = Field(
        description="who fires it: `applicant`, `{roles: [...]}`, `{link: <id>}`, "
        "`{timer: 7d}` or `{event: <id>}`"
    )
    condition: Expression | None = Field(
        None, description="a condition that must hold for the transition to be fired"
    )
    blocked_message: Text | None = Field(
        default=None, description="shown beside the button when the condition does not hold"
    )
    comment: CommentRule | None = Field(
        None, description="a comment asked for when firing, read as `transition.comment`"
    )
    confirm: Text | None = Field(default=None, description="a question asked before firing")
    style: Literal["primary", "secondary", "danger"] = Field(
        "primary", description="the button's look"
    )
    bulk: YamlBool = Field(default=False, description="may be fired on many requests at once")
    actions: tuple[ActionCall, ...] = Field(
        (), description="what the firing plans, in order (see the action kinds)"
    )

    model_config = ConfigDict(populate_by_name=True)


class Process(SpecModel):
    initial: Identifier = Field(
        description="the state of a new request (its draft, while the wizard is filled)"
    )
    categories: tuple[Category, ...] = Field(
        min_length=1, description="the tabs of the request list; every state belongs to one"
    )
    states: tuple[State, ...] = Field(min_length=1, description="the states a request may be in")
    transitions: tuple[Transition, ...] = Field((), description="the ways from a state to another")
