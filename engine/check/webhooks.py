"""Webhooks: where each one sends (a URL or a url setting, not both), what triggers it
(declared transitions and states), and whom a failed delivery is told to."""

from __future__ import annotations

from .context import CheckContext


def check_webhooks(ctx: CheckContext) -> None:
    wf = ctx.workflow
    settings = {s.id: s for s in wf.settings}
    states = {s.id for s in wf.process.states}
    transitions = {t.id for t in wf.process.transitions}
    roles = {r.id for r in wf.roles}
    for i, hook in enumerate(wf.webhooks):
        path = ("webhooks", i)
        if (hook.url is None) == (hook.url_setting is None):
            ctx.report(
                "E068",
                "a webhook needs exactly one of 'url' and 'url_setting'",
                path,
                "`url_setting: <a setting of type url>` lets each installation set its receiver",
            )
        if hook.url_setting is not None:
            setting = settings.get(hook.url_setting)
            if setting is None:
                ctx.unknown("E017", "setting", hook.url_setting, settings, (*path, "url_setting"))
            elif setting.type != "url":
                ctx.report(
                    "E023",
                    f"setting '{hook.url_setting}' is not of type url",
                    (*path, "url_setting"),
                )
        if not hook.on.transitions and not hook.on.states:
            ctx.report(
                "E068",
                "a webhook needs at least one trigger in 'on': transitions or states",
                (*path, "on"),
            )
        for j, transition in enumerate(hook.on.transitions):
            if transition not in transitions:
                ctx.unknown(
                    "E069", "transition", transition, transitions, (*path, "on", "transitions", j)
                )
        for j, state in enumerate(hook.on.states):
            if state not in states:
                ctx.unknown("E014", "state", state, states, (*path, "on", "states", j))
        if hook.notify is not None and hook.notify not in roles:
            ctx.unknown("E013", "role", hook.notify, roles, (*path, "notify"))
