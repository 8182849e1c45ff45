"""`onboarding simulate`: the wizard filled with sample answers, then the main path of the
process, printing each state and the effects each transition plans. A quick way to see what a
workflow does without a server or a database."""

from __future__ import annotations

from datetime import date
from typing import TextIO

from .compiled import CompiledWorkflow
from .process.actors import Actor
from .process.firing import RequestSnapshot
from .samples import (
    SpecCatalog,
    sample_comment,
    sample_entries,
    sample_inputs,
    sample_session,
)
from .spec.process import ByEvent, ByLink, ByRoles, ByTimer


def simulate(compiled: CompiledWorkflow, out: TextIO) -> int:
    spec = compiled.spec
    today = date.today()
    catalog = SpecCatalog(spec)
    session = sample_session()
    extras = {"session": session, "settings": compiled.settings_with(None)}
    answers: dict[str, object] = {}
    out.write(f"# {compiled.text(spec.title)} ({spec.id}, {compiled.content_hash[:12]})\n\n")
    for step in compiled.wizard.visible_steps(answers, extras):
        inputs: dict[str, str | list[str]] = {}
        for item in step.fields:
            inputs.update(sample_inputs(item.spec, spec, today))
        result = compiled.wizard.validate_step(
            step.id, inputs, answers, catalog=catalog, today=today, extras=extras
        )
        status = "ok" if result.ok else f"errors: {result.errors}"
        out.write(f"step {step.index + 1} {step.id}: {len(result.values)} answer(s), {status}\n")
        if not result.ok:
            return 1
        answers.update(result.values)
    answers = compiled.wizard.clean_answers(answers, extras)
    state = spec.process.initial
    visited = {state}
    version = 0
    out.write(f"\nstate: {state}\n")
    for _ in range(len(spec.process.transitions) + 1):
        if compiled.states[state].final:
            break
        snapshot = RequestSnapshot(
            state=state,
            answers=answers,
            version=version,
            reference="SAMPLE1-0001",
            session=session,
            entries=sample_entries(spec, answers, catalog),
        )
        choice = None
        for transition in spec.process.transitions:
            if state not in transition.source or transition.style == "danger":
                continue
            if transition.to in visited or transition.to is None:
                continue
            by = transition.by
            actor = (
                Actor.user("simulation", set(by.roles))
                if isinstance(by, ByRoles)
                else Actor.via_link(by.link)
                if isinstance(by, ByLink)
                else Actor.timer()
                if isinstance(by, ByTimer)
                else Actor.on_event(by.event)
                if isinstance(by, ByEvent)
                else Actor.applicant()
            )
            enabled = [
                a
                for a in compiled.process.available(snapshot, actor)
                if a.transition.id == transition.id and a.enabled
            ]
            if enabled:
                choice = (transition, actor)
                break
        if choice is None:
            out.write("no further transition on the main path\n")
            break
        transition, actor = choice
        # An operator writes a comment where the transition asks for one.
        comment = sample_comment(spec.locale) if transition.comment is not None else None
        result = compiled.process.fire(snapshot, transition.id, actor, comment=comment)
        out.write(f"  --{transition.id} ({actor.name or actor.kind})--> {result.target}\n")
        if comment is not None:
            out.write(f"      comment: {comment}\n")
        for effect in result.effects:
            out.write(f"      {effect}\n")
        state, version = result.target, result.version
        visited.add(state)
        out.write(f"state: {state}\n")
    return 0
