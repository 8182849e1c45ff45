"""Properties over random input: validation never crashes and never keeps a hidden answer;
random walks over the process only ever do what the spec declares."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.compiled import CompiledWorkflow
from engine.expr import parse
from engine.process.actors import Actor, may_fire
from engine.process.firing import FireError
from engine.samples import SpecCatalog
from engine.wizard.plan import expression_context
from engine.wizard.values import input_names

from .conftest import TODAY
from .helpers import SESSION, fill_wizard, snapshot

PROFILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Values a browser (or an attacker) may post: real choices, booleans, junk, markup, controls.
raw_value = st.one_of(
    st.sampled_from(
        [
            "",
            "yes",
            "no",
            "on",
            "oui",
            "maire",
            "autre",
            "ville_lyon",
            "establishment",
            "personal",
            "mme",
            "26C03S1",
            "2020",
            "75001",
            "06 12 34 56 78",
            "a@b.fr",
            "<script>x</script>",
        ]
    ),
    st.text(max_size=300),
    st.lists(st.text(max_size=20), max_size=3),
)


@st.composite
def step_inputs(draw: st.DrawFn, compiled: CompiledWorkflow) -> tuple[str, dict[str, Any]]:
    step = draw(st.sampled_from(compiled.wizard.steps))
    ctx = compiled.wizard.read_context(SpecCatalog(compiled.spec), None, TODAY)
    names = [name for f in step.fields for name in input_names(f.spec, ctx)]
    inputs = draw(
        st.dictionaries(
            st.sampled_from(names) if names else st.just("x"), raw_value, max_size=len(names) + 1
        )
    )
    return step.id, inputs


@PROFILE
@given(data=st.data())
def test_step_validation_never_crashes_nor_keeps_hidden_answers(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, data: st.DataObject
) -> None:
    step_id, inputs = data.draw(step_inputs(onboarding))
    earlier = data.draw(
        st.dictionaries(
            st.sampled_from(sorted(onboarding.fields)),
            st.one_of(st.booleans(), st.none(), st.text(max_size=5)),
            max_size=4,
        )
    )
    result = onboarding.wizard.validate_step(
        step_id, inputs, earlier, catalog=catalog, today=TODAY, extras={"session": SESSION}
    )
    step = onboarding.wizard.by_id[step_id]
    merged = {k: v for k, v in earlier.items() if onboarding.wizard.field_step.get(k) != step.index}
    merged.update({k: v for k, v in result.values.items() if v is not None})
    context = expression_context(merged, {"session": SESSION})
    for field in step.fields:
        if field.id in result.values and field.visible_if is not None:
            assert field.visible_if.is_true(context), field.id
    assert not (set(result.values) & result.hidden)
    assert all(isinstance(message, str) and message for message in result.errors.values())


@PROFILE
@given(
    answers=st.dictionaries(
        st.sampled_from(
            [
                "dietary_constraints",
                "dietary_details",
                "disability",
                "disability_details",
                "mandate",
                "mandate_other",
                "last_name",
            ]
        ),
        st.one_of(st.booleans(), st.none(), st.sampled_from(["autre", "maire", "x"])),
    )
)
def test_clean_answers_drops_every_hidden_answer(
    onboarding: CompiledWorkflow, answers: dict[str, Any]
) -> None:
    kept = onboarding.wizard.clean_answers(answers)
    assert set(kept) <= set(answers)
    context = expression_context(kept, {})
    for field_id in kept:
        field = onboarding.fields[field_id]
        if field.visible_if is not None:
            assert parse(field.visible_if).is_true(context), field_id


actors = st.one_of(
    st.just(Actor.applicant()),
    st.just(Actor.timer()),
    st.sampled_from(["confirm_email", "follow", "set_password", "other"]).map(Actor.via_link),
    st.sets(st.sampled_from(["admin", "registration_manager", "tester", "stranger"])).map(
        lambda roles: Actor.user("someone", roles)
    ),
)


@PROFILE
@given(
    walk=st.lists(st.tuples(st.integers(0, 100), actors), min_size=1, max_size=25),
    seats_left=st.integers(-1, 3),
    comment=st.one_of(st.none(), st.just("motif")),
)
def test_random_walks_only_fire_declared_transitions(
    onboarding: CompiledWorkflow,
    catalog: SpecCatalog,
    walk: list[tuple[int, Actor]],
    seats_left: int,
    comment: str | None,
) -> None:
    answers = fill_wizard(onboarding, catalog)
    transitions = onboarding.spec.process.transitions
    state = onboarding.spec.process.initial
    for pick, actor in walk:
        transition = transitions[pick % len(transitions)]
        snap = snapshot(
            onboarding, catalog, answers, state, session=dict(SESSION, seats_left=seats_left)
        )
        was_final = onboarding.states[state].final
        try:
            result = onboarding.process.fire(snap, transition.id, actor, comment=comment)
        except FireError:
            continue
        assert not was_final, f"left final state {state} by {transition.id}"
        assert state in transition.source
        assert may_fire(transition, actor)
        assert result.target == (transition.to or state)
        state = result.target
