"""The field kinds a wizard step can hold, as one discriminated union on `type`.

Each kind is its own class: new kinds are added by subclassing, not by flags on one class. What
a kind says about itself (whether it stores an answer, its conditions, its choices...) is a
class attribute or a method here; what the engine and the web layer do with it is a table per
concern keyed by `kind` (engine/spec/field_kinds.py). `FIELD_KINDS` is the list of kinds, taken
from the union itself."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import Discriminator, Field, Tag

from ..spec_types import DurationOrSetting, Identifier, SpecModel, Text, YamlBool

Expression = Annotated[str, Field(description="a condition in the expression language")]


class BaseField(SpecModel):
    """What every field has: an id unique in the workflow and an optional visibility condition."""

    id: Identifier
    visible_if: Expression | None = None

    # The kind's `type` as written in the YAML: the key of every per-kind table. Set on each
    # kind's class from its `type` literal.
    kind: ClassVar[str] = ""
    # Whether the field stores an answer; a notice only shows text.
    has_answer: ClassVar[bool] = True
    # Whether the answer is an email address (mails can be sent to it).
    answer_is_email: ClassVar[bool] = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        declared = cls.model_fields.get("type")
        if declared is not None:
            (cls.kind,) = get_args(declared.annotation)

    def is_required(self) -> bool:
        """Required whatever the other answers (`required: true`)."""
        return False

    def required_condition(self) -> str | None:
        """The condition that makes the field required (`required_if`), as written."""
        return None

    def declared_choices(self) -> tuple[Choice, ...]:
        """The choices the field offers, when the spec lists them."""
        return ()

    def entry_list(self) -> str | None:
        """The reference list whose entries the answer names: conditions and templates then
        read the chosen entry as `entries.<field id>`."""
        return None

    def sub_form(self) -> str | None:
        """The form (`forms/<id>.yaml`) whose fields the field opens inside itself."""
        return None


class InputField(BaseField):
    label: Text
    help: Text | None = None
    required: YamlBool = False
    required_if: Expression | None = None

    def is_required(self) -> bool:
        return self.required

    def required_condition(self) -> str | None:
        return self.required_if


class TextField(InputField):
    type: Literal["text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int = Field(default=200, ge=1, le=10_000)
    pattern: str | None = Field(
        default=None, description="a regular expression the whole value must match"
    )
    pattern_message: Text | None = None
    placeholder: Text | None = None


class LongTextField(InputField):
    type: Literal["long_text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int = Field(default=5000, ge=1, le=100_000)
    rows: int = Field(default=4, ge=1, le=40)


class EmailField(InputField):
    type: Literal["email"]
    confirm: Text | None = Field(
        default=None, description="label of a second input that must repeat the address"
    )

    answer_is_email: ClassVar[bool] = True


class PhoneField(InputField):
    type: Literal["phone"]
    region: Literal["FR"] = "FR"


class PostalCodeField(InputField):
    type: Literal["postal_code"]
    country: Literal["FR"] = "FR"


YearBound = int | Literal["current"]


class YearField(InputField):
    type: Literal["year"]
    min: YearBound | None = None
    max: YearBound | None = None


class IntegerField(InputField):
    type: Literal["integer"]
    min: int | None = None
    max: int | None = None


DateBound = Annotated[str, Field(pattern=r"^(today|\d{4}-\d{2}-\d{2})$")]


class DateField(InputField):
    type: Literal["date"]
    min: DateBound | None = None
    max: DateBound | None = None


class Choice(SpecModel):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    label: Text


class ChoiceField(InputField):
    type: Literal["choice"]
    choices: tuple[Choice, ...] = Field(min_length=1)
    display: Literal["radio", "select"] = "radio"

    def declared_choices(self) -> tuple[Choice, ...]:
        return self.choices


class MultiChoiceField(InputField):
    type: Literal["multi_choice"]
    choices: tuple[Choice, ...] = Field(min_length=1)
    min_selected: int | None = Field(default=None, ge=0)
    max_selected: int | None = Field(default=None, ge=1)

    def declared_choices(self) -> tuple[Choice, ...]:
        return self.choices


class YesNoField(InputField):
    type: Literal["yes_no"]
    yes_label: Text = {"fr": "Oui", "en": "Yes"}
    no_label: Text = {"fr": "Non", "en": "No"}


class CheckboxField(InputField):
    type: Literal["checkbox"]


class ConsentDocument(SpecModel):
    title: Text
    url: Annotated[str, Field(min_length=1)]
    version: Annotated[str, Field(min_length=1)]


class ConsentField(InputField):
    """Acceptance of a document: the answer records the version accepted."""

    type: Literal["consent"]
    document: ConsentDocument


class NotFoundForm(SpecModel):
    """What a "not in the list" link opens: a form whose answers create a new list entry."""

    label: Text
    form: Identifier
    status: Identifier


class ReferenceChoiceField(InputField):
    type: Literal["reference_choice"]
    list: Identifier
    display: Literal["search", "radio", "select"] = "select"
    search_fields: tuple[Identifier, ...] = ()
    not_found: NotFoundForm | None = None

    def entry_list(self) -> str | None:
        return self.list

    def sub_form(self) -> str | None:
        return self.not_found.form if self.not_found is not None else None


class SessionField(InputField):
    """Choice of a training session; the web layer fills it from the entry URL."""

    type: Literal["session"]
    closes_before_start: DurationOrSetting | None = Field(
        default=None,
        description="how long before its start a session stops taking registrations, unless "
        "the session has a closing date of its own (a duration such as 2d, or the id of a "
        "duration setting); left out: at its start",
    )


class NoticeField(BaseField):
    """Text shown in the step, with variables (`{{ settings.contact }}`) and Markdown links."""

    type: Literal["notice"]
    text: Text
    style: Literal["info", "warning", "plain"] = "plain"

    has_answer: ClassVar[bool] = False


class GivenField(InputField):
    """An answer given when the draft is made (by an invitation from another workflow's
    request), shown on its step and never typed: what a form posts for it is ignored."""

    type: Literal["given"]
    max_length: int = Field(default=200, ge=1, le=10_000)
    email: YamlBool = Field(
        False, description="the given answer is an email address (the applicant's, to mail)"
    )

    @property  # type: ignore[override]
    def answer_is_email(self) -> bool:  # a given address, copied from the inviting request
        return self.email


class IncludeItem(SpecModel):
    """`- include: form_id` inserts the fields of `forms/form_id.yaml` here."""

    include: Identifier


AnyField = Annotated[
    Annotated[TextField, Tag("text")]
    | Annotated[LongTextField, Tag("long_text")]
    | Annotated[EmailField, Tag("email")]
    | Annotated[PhoneField, Tag("phone")]
    | Annotated[PostalCodeField, Tag("postal_code")]
    | Annotated[YearField, Tag("year")]
    | Annotated[IntegerField, Tag("integer")]
    | Annotated[DateField, Tag("date")]
    | Annotated[ChoiceField, Tag("choice")]
    | Annotated[MultiChoiceField, Tag("multi_choice")]
    | Annotated[YesNoField, Tag("yes_no")]
    | Annotated[CheckboxField, Tag("checkbox")]
    | Annotated[ConsentField, Tag("consent")]
    | Annotated[ReferenceChoiceField, Tag("reference_choice")]
    | Annotated[SessionField, Tag("session")]
    | Annotated[NoticeField, Tag("notice")]
    | Annotated[GivenField, Tag("given")],
    Field(discriminator="type"),
]


def _kinds_of(union: Any) -> dict[str, type[BaseField]]:
    """Each kind of the discriminated union by its tag, checked against its class's `type`."""
    members, _ = get_args(union)
    kinds: dict[str, type[BaseField]] = {}
    for member in get_args(members):
        cls, tag = get_args(member)
        if tag.tag != cls.kind:
            raise TypeError(f"{cls.__name__} is tagged '{tag.tag}' but its type is '{cls.kind}'")
        kinds[cls.kind] = cls
    return kinds


FIELD_KINDS: dict[str, type[BaseField]] = _kinds_of(AnyField)
"""Every field kind, by its `type`, in the order of the union."""


def _field_or_include(value: Any) -> str | None:
    if isinstance(value, dict):
        return "include" if "include" in value else "field"
    return "field" if isinstance(value, BaseField) else "include"


FieldItem = Annotated[
    Annotated[AnyField, Tag("field")] | Annotated[IncludeItem, Tag("include")],
    Discriminator(_field_or_include),
]
"""An element of a step's `fields`: a field, or an include that the loader expands first."""
