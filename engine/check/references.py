"""Every name the workflow uses must be declared: states, roles, lists, forms, documents..."""

from __future__ import annotations

import re

from ..actions.builtin import default_registry
from ..actions.registry import Reference
from ..spec.fields import GivenField, ReferenceChoiceField, SessionField
from ..spec.process import EVENTS, TIMER_DATES, ByEvent, ByLink, ByRoles, ByTimer, DatedTimer
from ..spec.workflow import Document
from ..spec_types import IDENTIFIER_PATTERN, is_duration
from .context import CheckContext, PathT


def _check_document_kind(
    ctx: CheckContext, document: Document, path: PathT, has_sessions: bool
) -> None:
    """A PDF needs its layout; a calendar is made from a request's training session alone."""
    if document.kind == "pdf":
        if document.layout is None:
            ctx.report(
                "E004",
                "a PDF document names its layout",
                path,
                "add `layout: <a file of pdf_layouts/>`, or write `kind: calendar`",
            )
        return
    if document.layout is not None:
        ctx.report(
            "E079",
            "a calendar document has no layout",
            (*path, "layout"),
            "a calendar is made from the request's training session: remove `layout`",
        )
    if document.of != "request":
        ctx.report(
            "E079",
            "a calendar document is made for a request, not for a session",
            (*path, "of"),
            "a calendar is one request's event in its session: remove `of: session`",
        )
    if not has_sessions:
        ctx.report(
            "E079",
            "a calendar document needs the request's training session, and the wizard has no "
            "session field",
            (*path, "kind"),
            "add a field of type session to the wizard",
        )


def _check_duration(ctx: CheckContext, value: str, path: PathT) -> None:
    if is_duration(value):
        return
    settings = {s.id: s for s in ctx.workflow.settings}
    setting = settings.get(value)
    if setting is None and not re.fullmatch(IDENTIFIER_PATTERN, value):
        # Not a possible setting id either (`7 jours`, `2 days`): the author meant a duration.
        ctx.report(
            "E091",
            f"'{value}' is not a valid duration",
            path,
            "write a number and a unit: 30s, 30min, 48h, 7d or 2w "
            "(or the id of a setting of type duration)",
        )
    elif setting is None:
        ctx.unknown(
            "E017",
            "setting",
            value,
            settings,
            path,
            "write a duration such as 7d, 48h or 30min, or the id of a duration setting",
        )
    elif setting.type != "duration":
        ctx.report("E023", f"setting '{value}' is of type {setting.type}, not duration", path)


def _check_dated_timer(ctx: CheckContext, timer: DatedTimer, path: PathT) -> None:
    if (timer.before is None) == (timer.after is None):
        ctx.report(
            "E072",
            "a timer counted from a date names exactly one of 'before' and 'after'",
            path,
            "write `{before: session.starts_at, delay: 7d}` or `{after: session.ends_at, "
            "delay: 2d}`",
        )
    else:
        key = "before" if timer.before is not None else "after"
        if timer.date not in TIMER_DATES:
            ctx.unknown("E073", "date", str(timer.date), TIMER_DATES, (*path, key))
    _check_duration(ctx, timer.delay, (*path, "delay"))


def check_process_references(ctx: CheckContext) -> None:
    wf = ctx.workflow
    states = {s.id for s in wf.process.states}
    categories = {c.id for c in wf.process.categories}
    roles = {r.id for r in wf.roles}
    links = {link.id for link in wf.links}
    if wf.process.initial not in states:
        ctx.unknown("E014", "initial state", wf.process.initial, states, ("process", "initial"))
    for i, state in enumerate(wf.process.states):
        if state.category not in categories:
            ctx.unknown(
                "E022", "category", state.category, categories, ("process", "states", i, "category")
            )
    for i, transition in enumerate(wf.process.transitions):
        path = ("process", "transitions", i)
        for j, source in enumerate(transition.source):
            if source not in states:
                ctx.unknown("E014", "state", source, states, (*path, "from", j))
        if transition.to is not None and transition.to not in states:
            ctx.unknown("E014", "state", transition.to, states, (*path, "to"))
        by = transition.by
        if isinstance(by, ByRoles):
            for j, role in enumerate(by.roles):
                if role not in roles:
                    ctx.unknown("E013", "role", role, roles, (*path, "by", "roles", j))
        elif isinstance(by, ByLink) and by.link not in links:
            ctx.unknown("E021", "link", by.link, links, (*path, "by", "link"))
        elif isinstance(by, ByTimer) and isinstance(by.timer, str):
            _check_duration(ctx, by.timer, (*path, "by", "timer"))
        elif isinstance(by, ByTimer):
            _check_dated_timer(ctx, by.timer, (*path, "by", "timer"))
        elif isinstance(by, ByEvent) and by.event not in EVENTS:
            ctx.unknown("E070", "event", by.event, EVENTS, (*path, "by", "event"))
        for j, action in enumerate(transition.actions):
            kind = default_registry().get(action.kind)
            if kind is None:
                continue
            for reference in kind.references(action.params):
                _check_reference(ctx, reference, (*path, "actions", j, action.kind))


def _on_disk(ctx: CheckContext, folder: str, *, directories: bool) -> list[str]:
    """Names available in a project folder, for "did you mean" hints."""
    path = ctx.loaded.root / folder
    if not path.is_dir():
        return []
    if directories:
        return sorted(p.name for p in path.iterdir() if p.is_dir())
    return sorted(p.stem for p in path.glob("*.yaml"))


def _check_reference(ctx: CheckContext, ref: Reference, base: PathT) -> None:
    wf = ctx.workflow
    path = (*base, *ref.path)
    fields = ctx.scope.fields
    if ref.kind == "template":
        if ref.name not in ctx.loaded.mails:
            ctx.unknown(
                "E015",
                "mail template",
                ref.name,
                _on_disk(ctx, "mail_templates", directories=True),
                path,
                f"create the folder mail_templates/{ref.name}/ with subject.txt, "
                "body.txt and body.html",
            )
    elif ref.kind == "document":
        documents = {d.id: d for d in wf.documents}
        if ref.name not in documents:
            ctx.unknown("E018", "document", ref.name, documents, path)
        elif documents[ref.name].of != "request":
            ctx.report(
                "E077",
                f"document '{ref.name}' is a training session's document (of: session), "
                "not a request's,",
                path,
                "a transition generates or attaches only documents of: request; a session's "
                "documents are made from the session's page in the backoffice",
            )
    elif ref.kind == "role":
        roles = {r.id for r in wf.roles}
        if ref.name not in roles:
            ctx.unknown("E013", "role", ref.name, roles, path)
    elif ref.kind == "email_field":
        field = fields.get(ref.name)
        if field is None:
            ctx.unknown("E011", "field", ref.name, ctx.scope.answer_fields(), path)
        elif not field.answer_is_email:
            ctx.report("E023", f"field '{ref.name}' is not an email field", path)
    elif ref.kind == "reference_field":
        field_id, attribute = ref.name.split(".", 1)
        field = fields.get(field_id)
        if not isinstance(field, ReferenceChoiceField):
            if field is None:
                ctx.unknown("E011", "field", field_id, ctx.scope.entry_attributes, path)
            else:
                ctx.report("E023", f"field '{field_id}' is not a reference choice", path)
            return
        lists = {r.id: r for r in wf.reference_lists}
        ref_list = lists.get(field.list)
        if ref_list is None:
            return  # reported on the field
        list_fields = {f.id: f for f in ref_list.fields}
        if attribute not in list_fields:
            ctx.unknown(
                "E011",
                f"field of list '{ref_list.id}'",
                attribute,
                list_fields,
                (*base, *ref.path[:-1], "attribute"),
            )
        elif list_fields[attribute].type != "email":
            ctx.report(
                "E023",
                f"field '{attribute}' of list '{ref_list.id}' is not an email",
                (*base, *ref.path[:-1], "attribute"),
            )
    elif ref.kind == "lms":
        if wf.lms is None:
            ctx.report(
                "E067",
                "this action calls a learning platform, but the workflow declares none",
                path,
                "declare the connection at the top level: `lms: {connector: <name>}`",
            )
    elif ref.kind == "workflow":
        if ref.name not in ctx.loaded.invited:
            known = _on_disk(ctx, "workflows", directories=False)
            ctx.unknown("E085", "invited workflow", ref.name, known, path)
    elif ref.kind == "invited_field":
        _check_invited_field(ctx, ref, path)
    elif ref.kind == "email_setting":
        settings = {s.id: s for s in wf.settings}
        setting = settings.get(ref.name)
        if setting is None:
            ctx.unknown("E017", "setting", ref.name, settings, path)
        elif setting.type != "email":
            ctx.report("E023", f"setting '{ref.name}' is not of type email", path)


def _check_invited_field(ctx: CheckContext, ref: Reference, path: PathT) -> None:
    """An invitation's answer goes to a field of type given of the invited workflow (an
    unknown workflow is reported on its name; one that does not load, when it is checked)."""
    workflow_id, field_id = ref.name.split(".", 1)
    document = ctx.loaded.invited.get(workflow_id)
    invited = document.model if document is not None else None
    if invited is None:
        return
    given = sorted(
        item.id
        for step in invited.wizard.steps
        for item in step.fields
        if isinstance(item, GivenField)
    )
    if field_id not in given:
        ctx.report(
            "E086",
            f"'{field_id}' is not a field of type given of workflow '{workflow_id}'",
            path,
            "an invitation fills only the fields of `type: given` of the invited workflow"
            + (f" (declared: {', '.join(given)})" if given else ": it declares none"),
            key=True,
        )


def _check_links_and_start_actions(ctx: CheckContext) -> None:
    wf = ctx.workflow
    purposes: dict[str, str] = {}
    for i, link in enumerate(wf.links):
        if link.opens == "transitions":
            continue
        if link.opens in purposes:
            ctx.report(
                "E066",
                f"links '{purposes[link.opens]}' and '{link.id}' both open '{link.opens}'",
                ("links", i, "opens"),
                "the web layer needs one link per purpose: keep one of them",
            )
        purposes.setdefault(link.opens, link.id)
    for i, start in enumerate(wf.wizard.start_actions):
        path = ("wizard", "start_actions", i)
        if start.kind != "follow":
            continue
        if start.mail is None:
            ctx.report(
                "E065",
                "the 'follow' start action needs 'mail': the template that sends the link",
                path,
                "add `mail: <template>`; the mail can use links.<id> of the follow link",
            )
        else:
            _check_reference(ctx, Reference("template", start.mail), (*path, "mail"))
        if "follow" not in purposes:
            ctx.report(
                "E065",
                "the 'follow' start action needs a link that `opens: follow`",
                path,
                "declare one under links: with `opens: follow`",
            )


def check_workflow_references(ctx: CheckContext) -> None:
    wf = ctx.workflow
    _check_links_and_start_actions(ctx)
    lists = {r.id: r for r in wf.reference_lists}
    for i, ref_list in enumerate(wf.reference_lists):
        base = ("reference_lists", i)
        statuses = {s.id for s in ref_list.statuses}
        if ref_list.default_status is not None and ref_list.default_status not in statuses:
            ctx.unknown(
                "E022", "status", ref_list.default_status, statuses, (*base, "default_status")
            )
        for j, list_field in enumerate(ref_list.fields):
            if list_field.type == "reference":
                if list_field.list is None:
                    ctx.report(
                        "E004",
                        "missing key 'list' for a field of type reference",
                        (*base, "fields", j),
                    )
                elif list_field.list not in lists:
                    ctx.unknown(
                        "E012",
                        "reference list",
                        list_field.list,
                        lists,
                        (*base, "fields", j, "list"),
                    )
        for j, entry in enumerate(ref_list.entries):
            if entry.status is not None and entry.status not in statuses:
                ctx.unknown(
                    "E022", "status", entry.status, statuses, (*base, "entries", j, "status")
                )
    for i, step in enumerate(wf.wizard.steps):
        for j, item in enumerate(step.fields):
            path = ("wizard", "steps", i, "fields", j)
            if isinstance(item, SessionField) and item.closes_before_start is not None:
                _check_duration(ctx, item.closes_before_start, (*path, "closes_before_start"))
            if not isinstance(item, ReferenceChoiceField):
                continue
            ref_list = lists.get(item.list)
            if ref_list is None:
                ctx.unknown("E012", "reference list", item.list, lists, (*path, "list"))
                continue
            list_fields = {f.id for f in ref_list.fields}
            for k, name in enumerate(item.search_fields):
                if name not in list_fields:
                    ctx.unknown(
                        "E011",
                        f"field of list '{ref_list.id}'",
                        name,
                        list_fields,
                        (*path, "search_fields", k),
                    )
            if item.not_found is not None:
                if item.not_found.form not in ctx.loaded.forms:
                    ctx.unknown(
                        "E019",
                        "form",
                        item.not_found.form,
                        _on_disk(ctx, "forms", directories=False),
                        (*path, "not_found", "form"),
                        f"create forms/{item.not_found.form}.yaml",
                    )
                statuses = {s.id for s in ref_list.statuses}
                if item.not_found.status not in statuses:
                    ctx.unknown(
                        "E022",
                        "status",
                        item.not_found.status,
                        statuses,
                        (*path, "not_found", "status"),
                    )
    has_sessions = any(isinstance(f, SessionField) for f in ctx.scope.fields.values())
    for i, document in enumerate(wf.documents):
        _check_document_kind(ctx, document, ("documents", i), has_sessions)
        if document.layout is not None and document.layout not in ctx.loaded.layouts:
            ctx.unknown(
                "E016",
                "PDF layout",
                document.layout,
                _on_disk(ctx, "pdf_layouts", directories=False),
                ("documents", i, "layout"),
                f"create pdf_layouts/{document.layout}.yaml",
            )
    for i, link in enumerate(wf.links):
        _check_duration(ctx, link.lifetime, ("links", i, "lifetime"))
    _check_applicant(ctx)
    _check_delivery(ctx)


def _check_applicant(ctx: CheckContext) -> None:
    applicant = ctx.workflow.applicant
    fields = ctx.scope.fields
    for key in ("email", "first_name", "last_name"):
        name = getattr(applicant, key)
        if name is None:
            continue
        if name not in fields:
            ctx.unknown("E011", "field", name, ctx.scope.answer_fields(), ("applicant", key))
        elif key == "email" and not fields[name].answer_is_email:
            ctx.report(
                "E023",
                f"the applicant's email must be an email field; '{name}' is not",
                ("applicant", key),
            )


def _check_delivery(ctx: CheckContext) -> None:
    delivery = ctx.workflow.delivery
    settings = {s.id: s for s in ctx.workflow.settings}
    roles = {r.id for r in ctx.workflow.roles}
    name = delivery.test_mode_setting
    if name is not None:
        if name not in settings:
            ctx.unknown("E017", "setting", name, settings, ("delivery", "test_mode_setting"))
        elif settings[name].type != "boolean":
            ctx.report(
                "E023",
                f"the test mode setting '{name}' must be of type boolean",
                ("delivery", "test_mode_setting"),
            )
    for key in ("test_recipients_role", "failed_calls_role"):
        role = getattr(delivery, key)
        if role is not None and role not in roles:
            ctx.unknown("E013", "role", role, roles, ("delivery", key))
