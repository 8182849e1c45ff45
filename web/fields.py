"""What a field template needs, built from the spec, the typed inputs and the errors: one view
per field, whatever its type, completed by its kind's entry in `VIEWS`. Templates
(`templates/fields/field.html`) only lay it out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from engine.compiled import CompiledWorkflow
from engine.service.catalog import Choice, DbCatalog
from engine.spec.field_kinds import FieldKindTable
from engine.spec.fields import (
    BaseField,
    CheckboxField,
    ChoiceField,
    ConsentField,
    DateField,
    EmailField,
    GivenField,
    InputField,
    IntegerField,
    LongTextField,
    MultiChoiceField,
    NoticeField,
    PhoneField,
    PostalCodeField,
    ReferenceChoiceField,
    SessionField,
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
        if "max_length" in self.extra and self.type in ("text", "long_text"):
            ids.append(f"{self.name}-counter")
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

    def notice_variables(self) -> Mapping[str, Any]:
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
            type=spec.kind,
            hidden=hidden,
            conditional=spec.visible_if is not None,
            error=self.errors.get(name, ""),
        )
        if isinstance(spec, InputField):  # every kind but the notice: a label and an answer
            view.label = self.text(spec.label)
            view.hint = self.text(spec.help)
            view.required = spec.required
            view.value = _single(self.inputs, name)
            view.values = _many(self.inputs, name)
        VIEWS.of(spec)(self, spec, view, subform_open)
        return view


# (builder, field, its view, whether its sub-form shows open) -> the view completed with what
# the kind's layout needs (`templates/fields/field.html`)
ViewDetails = Callable[[FieldBuilder, Any, FieldView, bool], None]
VIEWS: FieldKindTable[ViewDetails] = FieldKindTable("field view")


@VIEWS.register(PhoneField, PostalCodeField, IntegerField, DateField, CheckboxField, SessionField)
def _no_details(b: FieldBuilder, spec: BaseField, view: FieldView, subform_open: bool) -> None:
    return None


@VIEWS.register(NoticeField)
def _notice(b: FieldBuilder, spec: NoticeField, view: FieldView, subform_open: bool) -> None:
    view.extra["html"] = render_notice(b.compiled, b.text(spec.text), b.notice_variables())
    view.extra["style"] = spec.style


@VIEWS.register(TextField)
def _text(b: FieldBuilder, spec: TextField, view: FieldView, subform_open: bool) -> None:
    view.extra["max_length"] = spec.max_length
    view.extra["placeholder"] = b.text(spec.placeholder) if spec.placeholder else ""


@VIEWS.register(GivenField)
def _given(b: FieldBuilder, spec: GivenField, view: FieldView, subform_open: bool) -> None:
    view.extra["given"] = True


@VIEWS.register(LongTextField)
def _long_text(b: FieldBuilder, spec: LongTextField, view: FieldView, subform_open: bool) -> None:
    view.extra["max_length"] = spec.max_length
    view.extra["rows"] = spec.rows


@VIEWS.register(EmailField)
def _email(b: FieldBuilder, spec: EmailField, view: FieldView, subform_open: bool) -> None:
    if spec.confirm is not None:
        confirm = view.name + CONFIRM_SUFFIX
        view.extra["confirm"] = {
            "name": confirm,
            "label": b.text(spec.confirm),
            "value": _single(b.inputs, confirm),
            "error": b.errors.get(confirm, ""),
        }


@VIEWS.register(YearField)
def _year(b: FieldBuilder, spec: YearField, view: FieldView, subform_open: bool) -> None:
    low, high = year_bounds(spec, b.today)
    view.extra.update(min=low, max=high)


@VIEWS.register(ChoiceField)
def _choice(b: FieldBuilder, spec: ChoiceField, view: FieldView, subform_open: bool) -> None:
    view.extra["display"] = spec.display
    view.options = [Option(c.id, b.text(c.label), checked=view.value == c.id) for c in spec.choices]


@VIEWS.register(MultiChoiceField)
def _multi_choice(
    b: FieldBuilder, spec: MultiChoiceField, view: FieldView, subform_open: bool
) -> None:
    view.options = [
        Option(c.id, b.text(c.label), checked=c.id in view.values) for c in spec.choices
    ]


@VIEWS.register(YesNoField)
def _yes_no(b: FieldBuilder, spec: YesNoField, view: FieldView, subform_open: bool) -> None:
    view.options = [
        Option("yes", b.text(spec.yes_label), checked=view.value == "yes"),
        Option("no", b.text(spec.no_label), checked=view.value == "no"),
    ]


@VIEWS.register(ConsentField)
def _consent(b: FieldBuilder, spec: ConsentField, view: FieldView, subform_open: bool) -> None:
    view.extra["document"] = {"title": b.text(spec.document.title), "url": spec.document.url}


@VIEWS.register(ReferenceChoiceField)
def _reference(
    b: FieldBuilder, spec: ReferenceChoiceField, view: FieldView, subform_open: bool
) -> None:
    view.extra["display"] = spec.display
    chosen = view.value
    if spec.display == "search":
        query = _single(b.inputs, view.name + SEARCH_SUFFIX).strip()
        results: list[Choice] = b.catalog.search(spec, query) if len(query) >= 2 else []
        if chosen and chosen not in {r.id for r in results}:
            current = b.catalog.choice(spec, chosen)
            if current is not None:
                results.insert(0, current)
        view.extra.update(
            query=query,
            searched=len(query) >= 2,
            search_name=view.name + SEARCH_SUFFIX,
            search_url=b.search_url(spec.id),
        )
        choices = results
    else:
        choices = b.catalog.choices(spec)
    view.options = [Option(c.id, c.label, c.detail, checked=c.id == chosen) for c in choices]
    if spec.not_found is not None:
        new_name = view.name + NEW_ENTRY_SUFFIX
        wants_new = _single(b.inputs, new_name).lower() in {"on", "yes", "1", "true"}
        view.extra["not_found"] = {
            "name": new_name,
            "label": b.text(spec.not_found.label),
            "checked": wants_new,
            "open": wants_new or subform_open,
        }
        sub_prefix = f"{new_name}__"
        view.subfields = [
            b.build(sub, prefix=sub_prefix)
            for sub in b.compiled.wizard.forms.get(spec.not_found.form, ())
        ]


VIEWS.check()
