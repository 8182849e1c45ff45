"""Firing a transition: role check, condition check, state change, and the plan of typed
effects. Nothing here sends, writes or renders a file: the caller stores the new state and the
effects in one database transaction, and workers carry the effects out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from transitions import Machine, MachineError

from ..actions.builtin import default_registry
from ..actions.effects import Addressee, CallOut, Effect, GenerateDocument
from ..actions.recipients import AddressRecipient, FieldRecipient, RoleRecipient, SettingRecipient
from ..expr import Expression, parse
from ..spec.process import Transition
from ..spec.workflow import Document, Webhook, Workflow
from ..spec_types import localized
from ..translations import N_, translate
from .actors import Actor, may_fire
from .machine import StateHolder


@dataclass(frozen=True, slots=True)
class RequestSnapshot:
    """What the engine needs to know of a request to fire a transition. The caller resolves
    the reference entries chosen in the answers (`entries[field_id]` holds the entry's id,
    label, status and fields) and the training session's figures."""

    state: str
    answers: Mapping[str, Any]
    version: int = 0
    reference: str | None = None
    session: Mapping[str, Any] = field(default_factory=dict)
    entries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    settings: Mapping[str, Any] | None = None  # None: the workflow's defaults
    links: Mapping[str, str] = field(default_factory=dict)
    locale: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # created_at, submitted_at...
    # Presence per half-day of the session (`engine/half_days.attendance_view`); None: none
    # recorded, or not looked up.
    attendance: Mapping[str, Any] | None = None


class CompiledView(Protocol):
    """What firing reads of a compiled workflow. `engine.compiled.CompiledWorkflow`, which
    builds the process of every workflow it compiles, is one; firing needs no more of it."""

    @property
    def spec(self) -> Workflow: ...

    @property
    def machine(self) -> Machine: ...

    @property
    def conditions(self) -> Mapping[str, Expression]: ...

    @property
    def documents(self) -> Mapping[str, Document]: ...

    def settings_with(self, overrides: Mapping[str, Any] | None) -> dict[str, Any]: ...

    def condition_context(self, snapshot: RequestSnapshot) -> Mapping[str, Any]: ...

    def template_context(
        self,
        snapshot: RequestSnapshot,
        *,
        transition: Transition | None = None,
        comment: str | None = None,
        state: str | None = None,
        account: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]: ...

    def render_string(self, source: str, context: Mapping[str, Any]) -> str: ...


class FireError(Exception):
    """Why a transition was not fired; `code` is stable, `message` is for people."""

    code = "fire_error"

    def __init__(self, message: str, transition: str) -> None:
        super().__init__(message)
        self.message = message
        self.transition = transition


class UnknownTransition(FireError):
    code = "unknown_transition"


class NotFromThisState(FireError):
    code = "not_from_this_state"


class NotAllowed(FireError):
    code = "not_allowed"


class ConditionNotMet(FireError):
    code = "condition_not_met"


class CommentRequired(FireError):
    code = "comment_required"


@dataclass(frozen=True, slots=True)
class Availability:
    transition: Transition
    enabled: bool
    reason: str | None = None  # why it is disabled, for people


@dataclass(frozen=True, slots=True)
class FireResult:
    transition: str
    source: str
    target: str
    actor: Actor
    comment: str | None
    version: int
    effects: tuple[Effect, ...]

    @property
    def changed_state(self) -> bool:
        return self.source != self.target


_DEFAULT_BLOCKED = N_("This action is not possible at the moment.")
_COMMENT_REQUIRED = N_("A comment is required.")


class _Planner:
    """The PlanContext handed to action planners during one firing."""

    def __init__(
        self,
        compiled: CompiledView,
        snapshot: RequestSnapshot,
        make_template_context: Callable[[], Mapping[str, Any]],
    ) -> None:
        self.compiled = compiled
        self.snapshot = snapshot
        self._make_template_context = make_template_context
        self._template_context: Mapping[str, Any] | None = None

    @property
    def template_context(self) -> Mapping[str, Any]:
        # Built only when an action renders text: most firings never need it.
        if self._template_context is None:
            self._template_context = self._make_template_context()
        return self._template_context

    def resolve(self, recipient: Any) -> tuple[Addressee, ...]:
        answers = self.snapshot.answers
        if isinstance(recipient, str) and recipient == "applicant":
            email = answers.get(self.compiled.spec.applicant.email)
            return (Addressee(email=email),) if isinstance(email, str) and email else ()
        if isinstance(recipient, RoleRecipient):
            return (Addressee(role=recipient.role),)
        if isinstance(recipient, FieldRecipient):
            if recipient.attribute is None:
                value = answers.get(recipient.field)
            else:
                value = (self.snapshot.entries.get(recipient.field) or {}).get(recipient.attribute)
            return (Addressee(email=value),) if isinstance(value, str) and value else ()
        if isinstance(recipient, SettingRecipient):
            value = self.compiled.settings_with(self.snapshot.settings).get(recipient.setting)
            return (Addressee(email=value),) if isinstance(value, str) and value else ()
        if isinstance(recipient, AddressRecipient):
            return (Addressee(email=str(recipient.address)),)
        return ()

    def render_text(self, text: Any) -> str:
        locale = self.snapshot.locale or self.compiled.spec.locale
        source = localized(text, locale, self.compiled.spec.locale)
        return self.compiled.render_string(source, self.template_context)

    def answer(self, field_id: str) -> Any:
        return self.snapshot.answers.get(field_id)

    def applicant_answer(self, role: str) -> Any:
        field_id = getattr(self.compiled.spec.applicant, role, None)
        return self.snapshot.answers.get(field_id) if field_id else None

    def layout_of(self, document_id: str) -> str:
        return self.compiled.documents[document_id].layout or ""

    @property
    def session_code(self) -> str | None:
        code = self.snapshot.session.get("code")
        return code if isinstance(code, str) else None


@dataclass(frozen=True, slots=True)
class _PlannedAction:
    kind: str
    params: Any
    when: Expression | None
    key: str  # unique within a firing: `<transition>.<index>`


def _generate_each_document_once(effects: list[Effect]) -> tuple[Effect, ...]:
    """A document both generated and attached in one firing is produced once, so every mail
    of the firing carries the same bytes."""
    if not any(isinstance(e, GenerateDocument) for e in effects):
        return tuple(effects)
    fresh = {e.document for e in effects if isinstance(e, GenerateDocument) and e.fresh}
    seen: set[str] = set()
    kept: list[Effect] = []
    for effect in effects:
        if isinstance(effect, GenerateDocument):
            if effect.document in seen:
                continue
            seen.add(effect.document)
            if effect.document in fresh and not effect.fresh:
                # Made anew later in this firing: make it anew here, once.
                effect = GenerateDocument(effect.key, effect.document, effect.layout, fresh=True)
        kept.append(effect)
    return tuple(kept)


def _triggers(hook: Webhook, transition: str, source: str, target: str) -> bool:
    if transition in hook.on.transitions:
        return True
    return target != source and target in hook.on.states


class ProcessRuntime:
    """The process of one compiled workflow: what an actor may do now, and firing."""

    def __init__(self, compiled: CompiledView) -> None:
        self.compiled = compiled
        self.transitions = {t.id: t for t in compiled.spec.process.transitions}
        # Each transition's actions as firing walks them: kind, parameters, parsed `when`,
        # and the effect key, all worked out once here rather than at every firing.
        self.actions: dict[str, tuple[_PlannedAction, ...]] = {
            t.id: tuple(
                _PlannedAction(
                    action.kind,
                    action.params,
                    parse(action.when) if action.when is not None else None,
                    f"{t.id}.{index}",
                )
                for index, action in enumerate(t.actions)
            )
            for t in compiled.spec.process.transitions
        }
        self.webhooks = compiled.spec.webhooks

    def _locale(self, snapshot: RequestSnapshot) -> str:
        return snapshot.locale or self.compiled.spec.locale

    def _blocked_reason(self, transition: Transition, snapshot: RequestSnapshot) -> str:
        locale = self._locale(snapshot)
        if transition.blocked_message is not None:
            return localized(transition.blocked_message, locale, self.compiled.spec.locale)
        return translate(locale, _DEFAULT_BLOCKED)

    def available(self, snapshot: RequestSnapshot, actor: Actor) -> list[Availability]:
        """Transitions from the current state that the actor may fire, in declaration order;
        those whose condition does not hold come with the reason, to show beside the button."""
        context = self.compiled.condition_context(snapshot)
        found = []
        for transition in self.compiled.spec.process.transitions:
            if snapshot.state not in transition.source or not may_fire(transition, actor):
                continue
            condition = self.compiled.conditions.get(transition.id)
            if condition is None or condition.is_true(context):
                found.append(Availability(transition, True))
            else:
                found.append(
                    Availability(transition, False, self._blocked_reason(transition, snapshot))
                )
        return found

    def still_allowed(self, snapshot: RequestSnapshot, transition_id: str, actor: Actor) -> bool:
        """Whether the transition could be fired from this snapshot: checked again just before
        a decision taken on an earlier read is written."""
        transition = self.transitions.get(transition_id)
        if transition is None or snapshot.state not in transition.source:
            return False
        if not may_fire(transition, actor):
            return False
        condition = self.compiled.conditions.get(transition_id)
        return condition is None or condition.is_true(self.compiled.condition_context(snapshot))

    def fire(
        self,
        snapshot: RequestSnapshot,
        transition_id: str,
        actor: Actor,
        comment: str | None = None,
    ) -> FireResult:
        transition = self.transitions.get(transition_id)
        if transition is None:
            raise UnknownTransition(f"unknown transition '{transition_id}'", transition_id)
        if snapshot.state not in transition.source:
            raise NotFromThisState(
                f"transition '{transition_id}' cannot be fired from state '{snapshot.state}'",
                transition_id,
            )
        if not may_fire(transition, actor):
            raise NotAllowed(f"{actor.kind} may not fire '{transition_id}'", transition_id)
        comment = (comment or "").strip() or None
        if transition.comment is not None and transition.comment.required and comment is None:
            locale = self._locale(snapshot)
            raise CommentRequired(translate(locale, _COMMENT_REQUIRED), transition_id)
        context = self.compiled.condition_context(snapshot)
        holder = StateHolder(snapshot.state)
        try:
            fired = self.compiled.machine.events[transition_id].trigger(holder, context=context)
        except MachineError as error:  # a state/trigger mismatch the checks above missed
            raise NotFromThisState(str(error), transition_id) from error
        if not fired:
            raise ConditionNotMet(self._blocked_reason(transition, snapshot), transition_id)
        effects = self._plan(transition, snapshot, holder.state, comment, context)
        events = self._events(transition, snapshot, holder.state, actor)
        return FireResult(
            transition_id,
            snapshot.state,
            holder.state,
            actor,
            comment,
            snapshot.version + 1,
            effects + events,
        )

    def _events(
        self, transition: Transition, snapshot: RequestSnapshot, target: str, actor: Actor
    ) -> tuple[Effect, ...]:
        """One webhook event per webhook this firing triggers (the transition is named, or the
        state it enters is), except those whose URL setting is empty. The payload says what
        happened, never who the applicant is: a receiver reads the rest through the API."""
        if not self.webhooks:
            return ()
        settings: Mapping[str, Any] | None = None
        events: list[Effect] = []
        for hook in self.webhooks:
            if not _triggers(hook, transition.id, snapshot.state, target):
                continue
            if hook.url_setting is not None:
                if settings is None:
                    settings = self.compiled.settings_with(snapshot.settings)
                if not settings.get(hook.url_setting):
                    continue
            payload = {
                "reference": snapshot.reference,
                "transition": transition.id,
                "from": snapshot.state,
                "to": target,
                "by": str(actor.kind),
                "version": snapshot.version + 1,
            }
            events.append(
                CallOut(f"{transition.id}.webhook.{hook.id}", "webhook", "event", hook.id, payload)
            )
        return tuple(events)

    def _plan(
        self,
        transition: Transition,
        snapshot: RequestSnapshot,
        target: str,
        comment: str | None,
        context: Mapping[str, Any],
    ) -> tuple[Effect, ...]:
        actions = self.actions[transition.id]
        if not actions:
            return ()
        planner = _Planner(
            self.compiled,
            snapshot,
            lambda: self.compiled.template_context(
                snapshot, transition=transition, comment=comment, state=target
            ),
        )
        registry = default_registry()
        effects: list[Effect] = []
        for action in actions:
            if action.when is not None and not action.when.is_true(context):
                continue
            kind = registry.get(action.kind)
            if kind is None:  # the checker refuses such a spec; stay safe if one slips through
                continue
            effects.extend(kind.plan(action.params, planner, action.key))
        return _generate_each_document_once(effects)
