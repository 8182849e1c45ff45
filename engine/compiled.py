"""A workflow compiled once for running: conditions parsed, the wizard plan and the state
machine built, templates prepared. Compiled workflows are cached by the content hash of every
file they use, so each version is compiled once however many requests run under it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import DictLoader, Template
from transitions import Machine

from .check.checker import check_workflow, has_errors
from .check.diagnostics import Diagnostic
from .check.loader import MAIL_LAYOUTS, LoadedWorkflow, load_workflow
from .expr import Expression
from .half_days import empty_attendance
from .process.firing import ProcessRuntime, RequestSnapshot
from .process.machine import build_machine
from .spec.fields import BaseField, ReferenceChoiceField
from .spec.layout import PdfLayout
from .spec.process import Transition
from .spec.workflow import Document, Workflow
from .spec_types import localized, parse_duration
from .templating import make_environment
from .wizard.display import display_answers
from .wizard.plan import WizardPlan


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class SpecError(Exception):
    """The workflow has errors; `diagnostics` lists them all."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) in the workflow")
        self.diagnostics = diagnostics


_CONDITION_ROOTS = ("session", "request", "settings", "entries", "attendance")


class ConditionContext(Mapping[str, Any]):
    """What conditions read: the answers by field id, and `session`, `request`, `settings`
    and `entries`. A condition reads one or two names, so each root is made only when read
    (the settings merged with their defaults, the request's figures); nothing is copied, since
    conditions never write."""

    __slots__ = ("_roots", "_settings_with", "_snapshot")

    def __init__(
        self,
        snapshot: RequestSnapshot,
        settings_with: Callable[[Mapping[str, Any] | None], dict[str, Any]],
    ) -> None:
        self._snapshot = snapshot
        self._settings_with = settings_with
        self._roots: dict[str, Any] = {}

    def _root(self, name: str) -> Any:
        found = self._roots.get(name)
        if found is None:
            snapshot = self._snapshot
            if name == "session":
                found = snapshot.session
            elif name == "entries":
                found = snapshot.entries
            elif name == "settings":
                found = self._settings_with(snapshot.settings)
            elif name == "attendance":
                found = snapshot.attendance or empty_attendance()
            else:
                found = {"reference": snapshot.reference, "state": snapshot.state}
                found.update(snapshot.extra)
            self._roots[name] = found
        return found

    def __getitem__(self, name: str) -> Any:
        if name in _CONDITION_ROOTS:
            return self._root(name)
        return self._snapshot.answers[name]

    def get(self, name: str, default: Any = None) -> Any:
        if name in _CONDITION_ROOTS:
            return self._root(name)
        return self._snapshot.answers.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in _CONDITION_ROOTS or name in self._snapshot.answers

    def __iter__(self) -> Iterator[str]:
        yield from (name for name in self._snapshot.answers if name not in _CONDITION_ROOTS)
        yield from _CONDITION_ROOTS

    def __len__(self) -> int:
        return sum(1 for _ in self)


class CompiledWorkflow:
    def __init__(self, loaded: LoadedWorkflow) -> None:
        if loaded.workflow is None:
            raise SpecError(loaded.diagnostics)
        self.spec: Workflow = loaded.workflow
        self.content_hash = loaded.content_hash
        self.files = dict(loaded.files)
        self.fields: dict[str, BaseField] = {
            item.id: item
            for step in self.spec.wizard.steps
            for item in step.fields
            if isinstance(item, BaseField)
        }
        forms = {
            name: tuple(document.model.fields)
            for name, document in loaded.forms.items()
            if document.model is not None
        }
        self.wizard = WizardPlan(self.spec, forms)
        self.machine: Machine
        self.conditions: dict[str, Expression]
        self.machine, self.conditions = build_machine(self.spec.process)
        self.states = {state.id: state for state in self.spec.process.states}
        self.documents: dict[str, Document] = {d.id: d for d in self.spec.documents}
        self.layouts: dict[str, PdfLayout] = {
            name: document.model
            for name, document in loaded.layouts.items()
            if document.model is not None
        }
        self.default_settings = {s.id: s.default for s in self.spec.settings}
        mail_sources = {
            f"{mail.name}/{part}": text
            for mail in loaded.mails.values()
            for part, text in mail.parts.items()
        }
        mail_sources.update(
            {f"{MAIL_LAYOUTS}/{name}": text for name, text in loaded.mail_layouts.items()}
        )
        self.environment = make_environment(DictLoader(mail_sources))
        self._string_templates: dict[str, Template] = {}
        self._lock = threading.Lock()
        self.process: ProcessRuntime = ProcessRuntime(self)

    # -- settings and durations ---------------------------------------------------------------

    def settings_with(self, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
        settings = dict(self.default_settings)
        if overrides:
            settings.update({k: v for k, v in overrides.items() if k in settings})
        return settings

    def duration(self, value: str, settings: Mapping[str, Any] | None = None) -> timedelta | None:
        """A duration written in the spec: literal (`7d`) or the id of a duration setting."""
        literal = parse_duration(value)
        if literal is not None:
            return literal
        return parse_duration(str(self.settings_with(settings).get(value, "")))

    # -- contexts -----------------------------------------------------------------------------

    def condition_context(self, snapshot: RequestSnapshot) -> Mapping[str, Any]:
        return ConditionContext(snapshot, self.settings_with)

    def template_context(
        self,
        snapshot: RequestSnapshot,
        *,
        transition: Transition | None = None,
        comment: str | None = None,
        state: str | None = None,
        account: Mapping[str, Any] | None = None,
        platform_account: Mapping[str, Any] | None = None,
        invitation: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        locale = snapshot.locale or self.spec.locale
        state_id = state or snapshot.state
        state_spec = self.states.get(state_id)
        return {
            "workflow": {"id": self.spec.id, "title": self.text(self.spec.title, locale)},
            "organisation": dict(self.spec.organisation),
            "request": {
                "reference": snapshot.reference,
                "state": state_id,
                "locale": locale,
                "state_label": self.text(state_spec.label, locale) if state_spec else state_id,
                "created_at": snapshot.extra.get("created_at"),
                "submitted_at": snapshot.extra.get("submitted_at"),
                # Set in the notice that announces the erasure of the request's data.
                "erasure_date": snapshot.extra.get("erasure_date"),
            },
            # Every answer field is present, None when unanswered or hidden, so that a template
            # can test `{% if answers.x %}` without tripping StrictUndefined.
            "answers": {
                fid: snapshot.answers.get(fid) for fid, f in self.fields.items() if f.has_answer
            },
            "display": display_answers(
                self.fields, snapshot.answers, locale, self.spec.locale, snapshot.entries
            ),
            "entries": self._entries_for_templates(snapshot.entries),
            "session": dict(snapshot.session),
            "links": dict(snapshot.links),
            "settings": self.settings_with(snapshot.settings),
            "account": dict(account or {}),
            "platform_account": {
                name: (platform_account or {}).get(name)
                for name in ("username", "created", "password_help_url")
            },
            # Filled in the mail of an `invite` action: the link to the invited draft.
            "invitation": {name: (invitation or {}).get(name) for name in ("url", "title")},
            "transition": {
                "id": transition.id if transition else None,
                "label": self.text(transition.label, locale) if transition else None,
                "comment": comment,
            },
            "attendance": dict(snapshot.attendance or empty_attendance()),
        }

    def session_template_context(
        self,
        session: Mapping[str, Any],
        half_days: list[dict[str, Any]],
        participants: list[dict[str, Any]],
        settings: Mapping[str, Any] | None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        """What a training session's document (`of: session`) reads: the names listed in
        `check/scope.py` (SESSION_DOCUMENT_ROOTS), never a request's."""
        locale = locale or self.spec.locale
        return {
            "workflow": {"id": self.spec.id, "title": self.text(self.spec.title, locale)},
            "organisation": dict(self.spec.organisation),
            "session": dict(session),
            "settings": self.settings_with(settings),
            "half_days": list(half_days),
            "participants": list(participants),
        }

    def _entries_for_templates(
        self, entries: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """Every attribute a template may read is present (None when the entry has no value),
        so an optional list field left empty does not break a mail under StrictUndefined."""
        lists = {ref.id: ref for ref in self.spec.reference_lists}
        result: dict[str, dict[str, Any]] = {}
        for field_id, field in self.reference_fields().items():
            ref = lists.get(field.list)
            names = ["id", "label", "status", "status_label", "is_new"]
            names += [column.id for column in ref.fields] if ref else []
            entry = entries.get(field_id) or {}
            result[field_id] = {name: entry.get(name) for name in names}
        return result

    def text(self, value: Any, locale: str | None = None) -> str:
        return localized(value, locale or self.spec.locale, self.spec.locale)

    def render_string(self, source: str, context: Mapping[str, Any]) -> str:
        template = self._string_templates.get(source)
        if template is None:
            with self._lock:
                template = self.environment.from_string(source)
                self._string_templates[source] = template
        return template.render(context)

    def render_mail(self, name: str, context: Mapping[str, Any]) -> RenderedMail:
        """Subject, text and HTML of a mail template; the subject is kept on one line."""
        parts = {
            part: self.environment.get_template(f"{name}/{part}").render(context)
            for part in ("subject.txt", "body.txt", "body.html")
        }
        subject = " ".join(parts["subject.txt"].split())
        return RenderedMail(subject, parts["body.txt"], parts["body.html"])

    def reference_fields(self) -> dict[str, ReferenceChoiceField]:
        """The fields answered from a reference list (read-only: shared by every caller)."""
        return self._reference_fields

    @cached_property
    def _reference_fields(self) -> dict[str, ReferenceChoiceField]:
        # Every wizard page asks for them, several times: the fields never change.
        return {k: v for k, v in self.fields.items() if isinstance(v, ReferenceChoiceField)}


_CACHE: OrderedDict[str, CompiledWorkflow] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()


def compile_loaded(loaded: LoadedWorkflow) -> CompiledWorkflow:
    """Checks and compiles, reusing the compiled version of identical content."""
    key = loaded.content_hash
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    diagnostics = check_workflow(loaded)
    if has_errors(diagnostics):
        raise SpecError(diagnostics)
    compiled = CompiledWorkflow(loaded)
    with _CACHE_LOCK:
        _CACHE[key] = compiled
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def load_compiled(path: Path) -> CompiledWorkflow:
    """Loads, checks and compiles a workflow file; raises SpecError listing every problem."""
    return compile_loaded(load_workflow(path))


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
