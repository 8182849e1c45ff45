"""Backoffice: the summary of the answers (`/synthese`), question by question, filtered by the
value of the workflow's first given field (the training session an invitation came from),
with the answers as CSV. Shown for workflows whose wizard has a given field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from engine.service.answer_summary import answer_rows, group_field, summarise
from engine.service.charts import bar_chart

from ..params import Choice
from .access import Desk, ProcessDesk
from .export import as_csv, download_headers, local_time, neutralise

router = APIRouter(prefix="/backoffice/{workflow_id}")


def _group(desk: Desk, valeur: str) -> str | None:
    """The group asked for, or None when the workflow has no given field to group by."""
    if group_field(desk.compiled) is None:
        return None
    return valeur.strip()


def _not_here(desk: Desk) -> HTMLResponse:
    return desk.page(
        "backoffice/summary.html",
        title=desk.gettext("Answers summary"),
        summary=None,
        questions=[],
        status=404,
    )


@router.get("/synthese", response_class=HTMLResponse)
def summary_page(desk: ProcessDesk, valeur: Choice = "") -> HTMLResponse:
    group = _group(desk, valeur)
    if group is None:
        return _not_here(desk)
    found = summarise(desk.db, desk.compiled, group, desk.locale)
    questions: list[dict[str, Any]] = []
    for index, question in enumerate(found.questions):
        chart = ""
        if question.counts:
            chart = bar_chart(
                question.counts,
                title=question.label,
                description="; ".join(f"{name} : {n}" for name, n in question.counts),
                chart_id=f"q{index}",
            )
        questions.append(
            {
                "id": question.field_id,
                "label": question.label,
                "counts": question.counts,
                "average": None
                if question.average is None
                else f"{question.average:.2f}".replace(".", ","),
                "answered": question.answered,
                "texts": question.texts,
                "chart": Markup(chart),  # built by engine.service.charts, which escapes texts
            }
        )
    given = found.group_field
    return desk.page(
        "backoffice/summary.html",
        title=desk.gettext("Answers summary"),
        summary=found,
        group_label=desk.text(given.label) if given is not None else "",
        questions=questions,
    )


@router.get("/synthese/reponses.csv", response_model=None)
def summary_csv(desk: ProcessDesk, valeur: Choice = "") -> Response:
    group = _group(desk, valeur)
    if group is None:
        return _not_here(desk)
    compiled = desk.compiled
    fields = [f for f in compiled.fields.values() if f.has_answer]
    zone = desk.runtime.zone

    def rows() -> Any:
        yield [desk.gettext("Reference"), desk.gettext("Sent on")] + [
            desk.text(getattr(f, "label", None)) or f.id for f in fields
        ]
        for row, shown in answer_rows(desk.db, compiled, group, desk.locale):
            cells = [row.reference or "", local_time(row.submitted_at, zone)]
            cells += [shown.get(f.id, "") for f in fields]
            yield [neutralise(cell) for cell in cells]

    stamp = desk.runtime.now().astimezone(zone).strftime("%Y-%m-%d-%H%M")
    suffix = f"-{group}" if group else ""
    filename = f"{compiled.spec.id}-reponses{suffix}-{stamp}.csv"
    return Response(as_csv(rows()), media_type="text/csv", headers=download_headers(filename))
