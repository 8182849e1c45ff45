"""Backoffice: the overview of a workflow — how many requests are in each state (by category and
by training session), the process drawn with those counts, and where drafts stopped in the
wizard. Everything is generated from the spec."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import func, select

from engine.service.charts import Arrow, Box, bar_chart, process_diagram
from engine.service.request_counts import counts_by_session, counts_by_state
from engine.store.models import RequestRow, TrainingSession
from engine.translations import N_

from .access import Desk, ProcessDesk

router = APIRouter(prefix="/backoffice/{workflow_id}")

NO_STEP = N_("(unknown step)")


def state_counts(desk: Desk) -> dict[str, int]:
    return counts_by_state(desk.db, desk.compiled.spec.id)


def session_counts(desk: Desk) -> dict[str, dict[str, int]]:
    return counts_by_session(desk.db, desk.compiled.spec.id)


def funnel(desk: Desk) -> list[tuple[str, int]]:
    """Drafts never submitted, by the wizard step they stopped at, in step order."""
    spec = desk.compiled.spec
    rows = desk.db.execute(
        select(RequestRow.current_step, func.count())
        .where(
            RequestRow.workflow_id == spec.id,
            RequestRow.state == spec.process.initial,
            RequestRow.submitted_at.is_(None),
        )
        .group_by(RequestRow.current_step)
    )
    counts = {step: int(count) for step, count in rows.all()}
    bars = [(desk.text(step.title), counts.pop(step.id, 0)) for step in spec.wizard.steps]
    # A draft with no step yet stands at the first one.
    if counts.get(None) and bars:
        bars[0] = (bars[0][0], bars[0][1] + counts.pop(None))
    others = sum(counts.values())
    if others:
        bars.append((desk.gettext(NO_STEP), others))
    return bars


def _session_label(session: Any, zone: Any) -> str:
    start = session.starts_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    return f"{session.code} — {session.title} ({start})"


@router.get("/vue-ensemble", response_class=HTMLResponse)
def overview(desk: ProcessDesk) -> HTMLResponse:
    spec = desk.compiled.spec
    process = spec.process
    counts = state_counts(desk)
    label = {state.id: desk.text(state.label) for state in process.states}
    categories = []
    for category in process.categories:
        states = [
            {"id": s.id, "label": label[s.id], "count": counts.get(s.id, 0), "final": s.final}
            for s in process.states
            if s.category == category.id
        ]
        categories.append(
            {
                "label": desk.text(category.label),
                "states": states,
                "total": sum(s["count"] for s in states),
            }
        )
    unknown = {state: n for state, n in counts.items() if state not in label}

    boxes = [
        Box(s.id, label[s.id], counts.get(s.id, 0), s.final, s.id == process.initial)
        for s in process.states
    ]
    arrows = [
        Arrow(source, transition.to, desk.text(transition.label))
        for transition in process.transitions
        if transition.to is not None
        for source in transition.source
    ]
    total = sum(counts.values())
    diagram = process_diagram(
        boxes,
        arrows,
        process.initial,
        title=desk.gettext("Process: {title}", title=desk.text(spec.title)),
        description="; ".join(
            desk.gettext("{label}: {n}", label=label[s.id], n=counts.get(s.id, 0))
            for s in process.states
        ),
        box_title=desk.gettext("{label}: {n} request(s)"),
    )

    by_session = session_counts(desk)
    sessions = []
    if by_session:
        known = {
            row.code: row
            for row in desk.db.execute(
                select(TrainingSession).where(TrainingSession.workflow_id == spec.id)
            ).scalars()
        }
        used_states = [s for s in process.states if any(s.id in c for c in by_session.values())]

        def order(code: str) -> tuple[Any, ...]:
            return (0, known[code].starts_at, code) if code in known else (1, code)

        for code in sorted(by_session, key=order):
            per_state = by_session[code]
            sessions.append(
                {
                    "label": _session_label(known[code], desk.runtime.zone)
                    if code in known
                    else code,
                    "cells": [per_state.get(s.id, 0) for s in used_states],
                    "total": sum(per_state.values()),
                }
            )
        session_states = [label[s.id] for s in used_states]
    else:
        session_states = []

    bars = funnel(desk)
    drafts = sum(n for _, n in bars)
    chart = bar_chart(
        bars,
        title=desk.gettext("Drafts stopped at each step of the form"),
        description="; ".join(desk.gettext("{label}: {n}", label=name, n=n) for name, n in bars),
        chart_id="funnel",
    )
    return desk.page(
        "backoffice/overview.html",
        title=desk.gettext("Overview"),
        categories=categories,
        unknown=[{"state": s, "count": n} for s, n in sorted(unknown.items())],
        total=total,
        diagram=Markup(diagram),  # built by engine.service.charts, which escapes every text
        sessions=sessions,
        session_states=session_states,
        funnel=bars,
        drafts=drafts,
        funnel_chart=Markup(chart),
    )
