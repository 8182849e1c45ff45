"""The answers of a workflow's sent requests, summarised question by question: how many chose
each option (with the average when the options are marks: whole numbers), and the texts
written. Filtered by the value of the first given field (an answer the draft was made with,
such as the training session an invitation came from)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..spec.fields import (
    BaseField,
    ChoiceField,
    GivenField,
    LongTextField,
    MultiChoiceField,
    TextField,
    YesNoField,
)
from ..store.models import RequestRow
from ..wizard.display import display_answers

# The most answers one summary reads (a questionnaire's answers of several years).
MAX_ANSWERS = 20_000


@dataclass
class Question:
    field_id: str
    label: str
    counts: list[tuple[str, int]] = field(default_factory=list)  # (option, how many)
    average: float | None = None
    answered: int = 0
    texts: list[str] = field(default_factory=list)


@dataclass
class AnswerSummary:
    group_field: GivenField | None
    groups: list[str]  # the values of the group field among sent requests, sorted
    group: str  # the value filtered on; "" for every request
    total: int  # requests summarised
    questions: list[Question]


def group_field(compiled: CompiledWorkflow) -> GivenField | None:
    return next((f for f in compiled.fields.values() if isinstance(f, GivenField)), None)


def summarised(spec: BaseField) -> bool:
    return isinstance(spec, ChoiceField | MultiChoiceField | YesNoField | TextField | LongTextField)


def _sent(db: Session, compiled: CompiledWorkflow) -> list[RequestRow]:
    query = (
        select(RequestRow)
        .where(
            RequestRow.workflow_id == compiled.spec.id,
            RequestRow.submitted_at.is_not(None),
        )
        .order_by(RequestRow.submitted_at, RequestRow.id)
        .limit(MAX_ANSWERS)
    )
    return list(db.execute(query).scalars())


def _in_group(row: RequestRow, given: GivenField | None, group: str) -> bool:
    return not group or given is None or str((row.answers or {}).get(given.id, "")) == group


def _marks(spec: ChoiceField) -> dict[str, int] | None:
    ids = [choice.id for choice in spec.choices]
    return {i: int(i) for i in ids} if all(i.isdigit() for i in ids) else None


def _question(
    compiled: CompiledWorkflow, spec: Any, rows: list[RequestRow], locale: str
) -> Question:
    question = Question(spec.id, compiled.text(spec.label, locale) or spec.id)
    values = [
        (row.answers or {}).get(spec.id)
        for row in rows
        if (row.answers or {}).get(spec.id) is not None
    ]
    question.answered = len([v for v in values if v not in ("", [])])
    if isinstance(spec, ChoiceField | MultiChoiceField):
        counted: Counter[str] = Counter()
        for value in values:
            counted.update(value if isinstance(value, list) else [str(value)])
        question.counts = [
            (compiled.text(choice.label, locale), counted.get(choice.id, 0))
            for choice in spec.choices
        ]
        marks = _marks(spec) if isinstance(spec, ChoiceField) else None
        if marks is not None:
            given = [marks[str(v)] for v in values if str(v) in marks]
            question.average = round(sum(given) / len(given), 2) if given else None
    elif isinstance(spec, YesNoField):
        question.counts = [
            (
                display_answers({spec.id: spec}, {spec.id: b}, locale, compiled.spec.locale)[
                    spec.id
                ],
                sum(1 for v in values if v is b),
            )
            for b in (True, False)
        ]
    else:
        question.texts = [str(v) for v in values if str(v).strip()]
    return question


def summarise(db: Session, compiled: CompiledWorkflow, group: str, locale: str) -> AnswerSummary:
    """Reads only: the summary of the sent requests whose group field's answer is `group`."""
    given = group_field(compiled)
    rows = _sent(db, compiled)
    groups = (
        sorted(
            {str(r.answers.get(given.id)) for r in rows if r.answers and r.answers.get(given.id)}
        )
        if given is not None
        else []
    )
    chosen = [row for row in rows if _in_group(row, given, group)]
    questions = [
        _question(compiled, spec, chosen, locale)
        for spec in compiled.fields.values()
        if summarised(spec)
    ]
    return AnswerSummary(given, groups, group, len(chosen), questions)


def answer_rows(
    db: Session, compiled: CompiledWorkflow, group: str, locale: str
) -> Iterator[tuple[RequestRow, dict[str, str]]]:
    """The sent requests of the group with their answers as shown to people, for an export."""
    given = group_field(compiled)
    for row in _sent(db, compiled):
        if _in_group(row, given, group):
            yield (
                row,
                display_answers(
                    compiled.fields, row.answers or {}, locale, compiled.spec.locale, {}
                ),
            )
