"""The wizard at run time: which steps and fields are visible for given answers, validation of
one step's inputs, and the final clean-up that drops answers of hidden fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..expr import Expression, parse
from ..spec.fields import BaseField
from ..spec.workflow import Workflow
from .replay import inputs_from_answers
from .steps import CompiledField, CompiledStep
from .values import Catalog, Inputs, ReadContext, Reading, read_field, required_message


@dataclass(slots=True)
class StepResult:
    """`values`: the answers of the step's visible fields (hidden ones are absent);
    `errors`: input name -> message; `typed`: what to show back in the inputs on error."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return not self.errors


def _compile(source: str | None) -> Expression | None:
    return None if source is None else parse(source)


def expression_context(answers: Mapping[str, Any], extras: Mapping[str, Any]) -> dict[str, Any]:
    """Conditions see the answers by field id, plus `session`, `request`, `settings` and
    `entries` supplied by the caller."""
    context = dict(answers)
    context.update(extras)
    return context


class WizardPlan:
    """Prepared once per compiled workflow: every condition is parsed here, not per request."""

    def __init__(self, workflow: Workflow, forms: Mapping[str, tuple[BaseField, ...]]) -> None:
        self.workflow = workflow
        self.forms = dict(forms)
        self.steps: tuple[CompiledStep, ...] = tuple(
            CompiledStep(
                index,
                step,
                _compile(step.visible_if),
                tuple(
                    CompiledField(
                        item, _compile(item.visible_if), _compile(item.required_condition())
                    )
                    for item in step.fields
                    if isinstance(item, BaseField)
                ),
            )
            for index, step in enumerate(workflow.wizard.steps)
        )
        self.by_id = {step.id: step for step in self.steps}
        self.field_step = {f.id: s.index for s in self.steps for f in s.fields}

    # -- visibility ---------------------------------------------------------------------------

    def visible_steps(
        self, answers: Mapping[str, Any], extras: Mapping[str, Any] | None = None
    ) -> list[CompiledStep]:
        extras = extras or {}
        context = expression_context(answers, extras)
        return [s for s in self.steps if s.visible_if is None or s.visible_if.is_true(context)]

    def _hidden_fields(
        self, step: CompiledStep, answers: dict[str, Any], extras: Mapping[str, Any]
    ) -> set[str]:
        """Fields of `step` hidden by their conditions. A hidden field's answer must not make
        another field visible, so hiding repeats until nothing changes (at most one round per
        field, since each round hides at least one more)."""
        hidden: set[str] = set()
        if not step.conditional:
            return hidden
        for _ in range(len(step.conditional) + 1):
            context = expression_context(
                {k: v for k, v in answers.items() if k not in hidden}, extras
            )
            now_hidden = {
                f.id
                for f in step.conditional
                if f.visible_if is not None and not f.visible_if.is_true(context)
            }
            if now_hidden == hidden:
                break
            hidden = now_hidden
        return hidden

    def visible_fields(
        self,
        step: CompiledStep,
        answers: Mapping[str, Any],
        extras: Mapping[str, Any] | None = None,
    ) -> list[CompiledField]:
        hidden = self._hidden_fields(step, dict(answers), extras or {})
        return [f for f in step.fields if f.id not in hidden]

    # -- validation ---------------------------------------------------------------------------

    def read_context(self, catalog: Catalog, locale: str | None, today: date) -> ReadContext:
        return ReadContext(
            locale=locale or self.workflow.locale,
            default_locale=self.workflow.locale,
            catalog=catalog,
            today=today,
            forms=self.forms,
        )

    def validate_step(
        self,
        step_id: str,
        inputs: Inputs,
        answers: Mapping[str, Any],
        *,
        catalog: Catalog,
        today: date,
        extras: Mapping[str, Any] | None = None,
        locale: str | None = None,
    ) -> StepResult:
        """Reads the step's inputs, decides visibility with the step's own new answers (so
        "details" appear with "yes"), checks required-ness of visible fields only, and
        returns the visible answers. Answers of earlier steps come in `answers`."""
        step = self.by_id[step_id]
        ctx = self.read_context(catalog, locale, today)
        extras = extras or {}
        readings: dict[str, Reading] = {
            f.id: read_field(f.spec, inputs, ctx) for f in step.fields if f.spec.has_answer
        }
        merged = {k: v for k, v in answers.items() if self.field_step.get(k) != step.index}
        merged.update({fid: r.value for fid, r in readings.items() if not r.empty})
        hidden = self._hidden_fields(step, merged, extras)
        visible_answers = {k: v for k, v in merged.items() if k not in hidden}
        context = expression_context(visible_answers, extras)
        result = StepResult(hidden=frozenset(hidden))
        for compiled in step.fields:
            reading = readings.get(compiled.id)
            if reading is None or compiled.id in hidden:
                continue
            spec = compiled.spec
            required = spec.is_required() or (
                compiled.required_if is not None and compiled.required_if.is_true(context)
            )
            if reading.errors:
                result.errors.update(reading.errors)
            elif reading.empty and required:
                result.errors[compiled.id] = required_message(spec, ctx)
            result.values[compiled.id] = reading.value
        return result

    def clean_answers(
        self, answers: Mapping[str, Any], extras: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The answers with those of hidden steps and hidden fields dropped, recomputed in step
        order so that a hidden answer never keeps a later field visible."""
        extras = extras or {}
        kept: dict[str, Any] = {}
        for step in self.steps:
            if step.visible_if is not None and not step.visible_if.is_true(
                expression_context(kept, extras)
            ):
                continue
            hidden: set[str] = set()
            if step.conditional:
                candidate = dict(kept)
                candidate.update({f.id: answers[f.id] for f in step.fields if f.id in answers})
                hidden = self._hidden_fields(step, candidate, extras)
            for compiled in step.fields:
                if compiled.id in answers and compiled.id not in hidden:
                    kept[compiled.id] = answers[compiled.id]
        return kept

    def first_incomplete_step(
        self,
        answers: Mapping[str, Any],
        *,
        catalog: Catalog,
        today: date,
        extras: Mapping[str, Any] | None = None,
    ) -> str | None:
        """The first visible step whose stored answers would not pass validation (a request is
        only submitted when this is None, whatever the browser posted)."""
        for step in self.visible_steps(answers, extras):
            inputs = inputs_from_answers(step, answers, self.forms)
            result = self.validate_step(
                step.id, inputs, answers, catalog=catalog, today=today, extras=extras
            )
            if not result.ok:
                return step.id
        return None
