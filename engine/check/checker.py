"""Runs every check on a loaded workflow and returns all diagnostics at once."""

from __future__ import annotations

from .consents import check_consents
from .context import CheckContext
from .diagnostics import Diagnostic, Severity, sort_key
from .expressions import check_expressions
from .forms import check_sub_forms
from .graph import check_graph, check_seat_events, check_session_change_events
from .loader import LoadedWorkflow
from .migrations import check_migrations
from .names import check_names
from .references import check_process_references, check_workflow_references
from .reopenings import check_reopenings
from .retention import check_retention
from .rules import check_field_rules, check_translations, check_values
from .scope import Scope
from .template_facts import STORE
from .templates import check_layouts, check_mail_templates, check_workflow_texts
from .webhooks import check_webhooks

CHECKS = (
    check_names,
    check_workflow_references,
    check_process_references,
    check_graph,
    check_seat_events,
    check_session_change_events,
    check_expressions,
    check_field_rules,
    check_values,
    check_translations,
    check_mail_templates,
    check_workflow_texts,
    check_layouts,
    check_webhooks,
    check_retention,
    check_consents,
    check_sub_forms,
    check_migrations,
    check_reopenings,
)


def check_workflow(loaded: LoadedWorkflow) -> list[Diagnostic]:
    """Shape problems found while loading, then, if the shape is sound, the semantic checks."""
    diagnostics = list(loaded.diagnostics)
    if loaded.workflow is not None:
        scope = Scope.of(loaded.workflow, complete=not loaded.missing_forms)
        ctx = CheckContext(loaded, loaded.workflow, scope)
        for check in CHECKS:
            check(ctx)
        diagnostics.extend(ctx.diagnostics)
        STORE.save()
    unique: dict[tuple[str, str, object], Diagnostic] = {}
    for diagnostic in diagnostics:
        unique.setdefault((diagnostic.code, diagnostic.message, diagnostic.position), diagnostic)
    return sorted(unique.values(), key=sort_key)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
