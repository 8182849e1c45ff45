"""What a field template needs, built from the spec, the typed inputs and the errors: one view
per field, whatever its type. Templates (`templates/fields/<type>.html`) only lay it out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from engine.compiled import CompiledWorkflow
from engine.service.catalog import Choice, DbCatalog
from engine.spec.fields import (
    BaseField,
    ChoiceField,
    ConsentField,
    EmailField,
    InputField,
    LongTextField,
    MultiChoiceField,
    NoticeField,
    ReferenceChoiceField,
    TextField,
    YearField,
    YesNoField,
)
from engine.wizard.values import CONFIRM_SUFFIX, NEW_ENTRY_SUFFIX, Inputs, year_bounds

# CommonMark without raw HTML: organisations write links (`[texte](mailto:...)`), never markup.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})

SEARCH_SUFFIX = "__q"


@dataclass(slots=True)
class Option:
    value: str
    label: str
    detail: str = ""
    checked: bool = False


@dataclass(slots=True)
class FieldView:
    id: str  # the spec's field id
    name: str  # the input name (prefixed inside a sub-form)
    type: str
    label: str = ""
    hint: str = ""
    required: bool = False
    error: str = ""
    value: str = ""
    values: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    hidden: bool = False
    conditional: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    subfields: list[FieldView] = field(default_factory=list)

    @property
    def describedby(self) -> str:
        ids = []
        if self.hint:
            ids.append(f"{self.name}-hint")
        if self.error:
            ids.append(f"{self.name}-error")
        return " ".join(ids)


def render_notice(compiled: CompiledWorkflow, text: str, context: Mapping[str, Any]) -> Markup:
    return Markup(_MARKDOWN.render(compiled.render_string(text, context)))


def _single(inputs: Inputs, name: str) -> str:
    value = inputs.get(name)
    if isinstance(value, list):
        return value[-1] if value else ""
    return value or ""


def _many(inputs: Inputs, name: str) -> list[str]:
    value = inputs.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass
class FieldBuilder:
    """Builds the views of one step for one render."""

    compiled: CompiledWorkflow
    catalog: DbCatalog
    locale: str
    inputs: Inputs
    errors: Mapping[str, str]
    notice_context: Callable[[], Mapping[str, Any]]  # built only if the step has a notice
    search_url: Callable[[str], str]
    today: Any
    words: Any
    _context: Mapping[str, Any] | None = None

    def text(self, value: Any) -> str:
        return self.compiled.text(value, self.locale) if value is not None else ""

    def _notice_context(self) -> Mapping[str, Any]:
        if self._context is None:
            self._context = self.notice_context()
        return self._context

    def build(
        self, spec: BaseField, *, prefix: str = "", hidden: bool = False, subform_open: bool = False
    ) -> FieldView:
        name = prefix + spec.id
        view = FieldView(
            id=spec.id,
            name=name,
            type=getattr(spec, "type", "notice"),
            hidden=hidden,
            conditional=spec.visible_if is not None,
            error=self.errors.get(name, ""),
        )
        if isinstance(spec, NoticeField):
            view.extra["html"] = render_notice(
                self.compiled, self.text(spec.text), self._notice_context()
            )
            view.extra["style"] = spec.style
            return view
        if isinstance(spec, InputField):
            view.label = self.text(spec.label)
            view.hint = self.text(spec.help)
            view.required = spec.required
        view.value = _single(self.inputs, name)
        view.values = _many(self.inputs, name)
        self._specifics(spec, view, prefix, subform_open)
        return view

    def _specifics(self, spec: BaseField, view: FieldView, prefix: str, subform_open: bool) -> None:
        name = view.name
        if isinstance(spec, TextField | LongTextField):
            view.extra["max_length"] = spec.max_length
            if isinstance(spec, LongTextField):
                view.extra["rows"] = spec.rows
        elif isinstance(spec, EmailField) and spec.confirm is not None:
            confirm = name + CONFIRM_SUFFIX
            view.extra["confirm"] = {
                "name": confirm,
                "label": self.text(spec.confirm),
                "value": _single(self.inputs, confirm),
                "error": self.errors.get(confirm, ""),
            }
        elif isinstance(spec, YearField):
            low, high = year_bounds(spec, self.today)
            view.extra.update(min=low, max=high)
        elif isinstance(spec, ChoiceField):
            view.extra["display"] = spec.display
            view.options = [
                Option(c.id, self.text(c.label), checked=view.value == c.id) for c in spec.choices
            ]
        elif isinstance(spec, MultiChoiceField):
            view.options = [
                Option(c.id, self.text(c.label), checked=c.id in view.values) for c in spec.choices
            ]
        elif isinstance(spec, YesNoField):
            view.options = [
                Option("yes", self.text(spec.yes_label), checked=view.value == "yes"),
                Option("no", self.text(spec.no_label), checked=view.value == "no"),
            ]
        elif isinstance(spec, ConsentField):
            view.extra["document"] = {
                "title": self.text(spec.document.title),
                "url": spec.document.url,
            }
        elif isinstance(spec, ReferenceChoiceField):
            self._reference(spec, view, prefix, subform_open)

    def _reference(
        self, spec: ReferenceChoiceField, view: FieldView, prefix: str, subform_open: bool
    ) -> None:
        view.extra["display"] = spec.display
        chosen = view.value
        if spec.display == "search":
            query = _single(self.inputs, view.name + SEARCH_SUFFIX).strip()
            results: list[Choice] = self.catalog.search(spec, query) if len(query) >= 2 else []
            if chosen and chosen not in {r.id for r in results}:
                current = self.catalog.choice(spec, chosen)
                if current is not None:
                    results.insert(0, current)
            view.extra.update(
                query=query,
                searched=len(query) >= 2,
                search_name=view.name + SEARCH_SUFFIX,
                search_url=self.search_url(spec.id),
            )
            choices = results
        else:
            choices = self.catalog.choices(spec)
        view.options = [Option(c.id, c.label, c.detail, checked=c.id == chosen) for c in choices]
        if spec.not_found is not None:
            new_name = view.name + NEW_ENTRY_SUFFIX
            wants_new = _single(self.inputs, new_name).lower() in {"on", "yes", "1", "true"}
            view.extra["not_found"] = {
                "name": new_name,
                "label": self.text(spec.not_found.label),
                "checked": wants_new,
                "open": wants_new or subform_open,
            }
            sub_prefix = f"{new_name}__"
            view.subfields = [
                self.build(sub, prefix=sub_prefix)
                for sub in self.compiled.wizard.forms.get(spec.not_found.form, ())
            ]
