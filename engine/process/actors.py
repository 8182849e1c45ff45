"""Who fires a transition, and whether the spec allows them to."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..spec.process import ByEvent, ByLink, ByRoles, ByTimer, Transition


class ActorKind(StrEnum):
    APPLICANT = "applicant"  # the applicant in the wizard or through the follow page
    LINK = "link"  # someone holding a signed link mailed to the applicant
    USER = "user"  # a backoffice user with roles
    TIMER = "timer"  # the worker, when a timer is due
    EVENT = "event"  # the worker, when the engine raises an event for the request


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    roles: frozenset[str] = field(default_factory=frozenset)
    link: str | None = None
    event: str | None = None
    name: str | None = None  # for the history: a login, an email address, "timer"

    @classmethod
    def applicant(cls, name: str | None = None) -> Actor:
        return cls(ActorKind.APPLICANT, name=name)

    @classmethod
    def user(cls, name: str, roles: set[str] | frozenset[str]) -> Actor:
        return cls(ActorKind.USER, frozenset(roles), name=name)

    @classmethod
    def via_link(cls, link: str) -> Actor:
        return cls(ActorKind.LINK, link=link, name=f"link:{link}")

    @classmethod
    def timer(cls) -> Actor:
        return cls(ActorKind.TIMER, name="timer")

    @classmethod
    def on_event(cls, event: str) -> Actor:
        return cls(ActorKind.EVENT, event=event, name=f"event:{event}")


def may_fire(transition: Transition, actor: Actor) -> bool:
    """The role check alone; the condition is checked separately so its reason can be shown."""
    by = transition.by
    if by == "applicant":
        return actor.kind is ActorKind.APPLICANT
    if isinstance(by, ByLink):
        return actor.kind is ActorKind.LINK and actor.link == by.link
    if isinstance(by, ByRoles):
        return actor.kind is ActorKind.USER and bool(actor.roles & set(by.roles))
    if isinstance(by, ByTimer):
        return actor.kind is ActorKind.TIMER
    if isinstance(by, ByEvent):
        return actor.kind is ActorKind.EVENT and actor.event == by.event
    return False
