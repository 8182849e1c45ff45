"""`reopen` actions: the steps they send back exist and can be corrected alone, and the
resubmission is a transition the mailed link fires from the state the reopening leads to."""

from __future__ import annotations

from ..actions.reopen import ReopenParams
from ..spec.fields import SessionField
from ..spec.process import ByLink, Transition
from .context import CheckContext, PathT


def check_reopenings(ctx: CheckContext) -> None:
    transitions = {t.id: t for t in ctx.workflow.process.transitions}
    for i, transition in enumerate(ctx.workflow.process.transitions):
        for j, action in enumerate(transition.actions):
            if action.kind == "reopen" and isinstance(action.params, ReopenParams):
                path = ("process", "transitions", i, "actions", j, "reopen")
                _check_steps(ctx, action.params, path)
                _check_resubmit(ctx, transition, transitions, action.params, path)


def _check_steps(ctx: CheckContext, params: ReopenParams, path: PathT) -> None:
    steps = {step.id: step for step in ctx.workflow.wizard.steps}
    for k, step_id in enumerate(params.steps):
        step = steps.get(step_id)
        if step is None:
            ctx.unknown("E110", "step", step_id, steps, (*path, "steps", k))
        elif any(isinstance(item, SessionField) for item in step.fields):
            # The seat is counted in the session: changing it is a change of session, which
            # the sessions and the waiting list decide, not a correction.
            ctx.report(
                "E111",
                f"step '{step_id}' holds the training session's field and cannot be reopened",
                (*path, "steps", k),
                "reopen the steps whose answers the applicant corrects; a change of session "
                "is made by the operator",
            )


def _check_resubmit(
    ctx: CheckContext,
    reopening: Transition,
    transitions: dict[str, Transition],
    params: ReopenParams,
    path: PathT,
) -> None:
    resubmit = transitions.get(params.resubmit)
    where = (*path, "resubmit")
    if resubmit is None:
        ctx.unknown("E112", "transition", params.resubmit, transitions, where)
        return
    if not isinstance(resubmit.by, ByLink):
        ctx.report(
            "E113",
            f"the resubmission '{params.resubmit}' is not fired through a link",
            where,
            "declare it `by: {link: <id>}`; the mail of the reopening carries that link",
        )
    # A transition without `to` stays where it fired.
    reachable = {reopening.to} if reopening.to is not None else set(reopening.source)
    if not reachable & set(resubmit.source):
        ctx.report(
            "E114",
            f"the resubmission '{params.resubmit}' does not leave from the state the "
            f"reopening leads to ('{', '.join(sorted(reachable))}')",
            where,
            f"add {', '.join(sorted(reachable))} to the `from` of '{params.resubmit}'",
        )
