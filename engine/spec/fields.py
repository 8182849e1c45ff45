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

    id: Identifier = Field(
        description="the field's id, unique in the workflow: answers, conditions and templates "
        "name the field by it (lower-case letters, digits and underscores)"
    )
    visible_if: Expression | None = Field(
        default=None,
        description="a condition: the field is shown (and its answer kept) only while it holds",
    )

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
    """A field the applicant answers."""

    label: Text = Field(description="the question, as the applicant reads it")
    help: Text | None = Field(default=None, description="a hint shown under the label")
    required: YamlBool = Field(False, description="true: the step cannot be left empty-handed")
    required_if: Expression | None = Field(
        default=None, description="a condition under which the field is required"
    )

    def is_required(self) -> bool:
        return self.required

    def required_condition(self) -> str | None:
        return self.required_if


class TextField(InputField):
    """One line of text."""

    type: Literal["text"]
    min_length: int | None = Field(default=None, ge=0, description="fewest characters accepted")
    max_length: int = Field(default=200, ge=1, le=10_000, description="most characters accepted")
    pattern: str | None = Field(
        default=None, description="a regular expression the whole value must match"
    )
    pattern_message: Text | None = Field(
        default=None, description="the error shown when the value does not match `pattern`"
    )
    placeholder: Text | None = Field(
        default=None, description="an example shown greyed in the empty input"
    )


class LongTextField(InputField):
    """Several lines of text (a text area)."""

    type: Literal["long_text"]
    min_length: int | None = Field(default=None, ge=0, description="fewest characters accepted")
    max_length: int = Field(default=5000, ge=1, le=100_000, description="most characters accepted")
    rows: int = Field(default=4, ge=1, le=40, description="the height of the text area, in lines")


class EmailField(InputField):
    """An email address, checked for its form; mails may be sent to it."""

    type: Literal["email"]
    confirm: Text | None = Field(
        default=None, description="label of a second input that must repeat the address"
    )

    answer_is_email: ClassVar[bool] = True


class PhoneField(InputField):
    """A telephone number, stored in international form (+33...)."""

    type: Literal["phone"]
    region: Literal["FR"] = Field(
        "FR", description="the country whose numbers may be typed without their prefix"
    )


class PostalCodeField(InputField):
    """A postal code of the country."""

    type: Literal["postal_code"]
    country: Literal["FR"] = Field("FR", description="the country whose codes are accepted")


YearBound = int | Literal["current"]


class YearField(InputField):
    """A year, such as 2026."""

    type: Literal["year"]
    min: YearBound | None = Field(
        default=None, description="the earliest year accepted (`current`: this year)"
    )
    max: YearBound | None = Field(
        default=None, description="the latest year accepted (`current`: this year)"
    )


class IntegerField(InputField):
    """A whole number."""

    type: Literal["integer"]
    min: int | None = Field(default=None, description="the smallest number accepted")
    max: int | None = Field(default=None, description="the largest number accepted")


DateBound = Annotated[str, Field(pattern=r"^(today|\d{4}-\d{2}-\d{2})$")]


class DateField(InputField):
    """A calendar date, stored as YYYY-MM-DD."""

    type: Literal["date"]
    min: DateBound | None = Field(
        default=None, description="the earliest date accepted: YYYY-MM-DD or `today`"
    )
    max: DateBound | None = Field(
        default=None, description="the latest date accepted: YYYY-MM-DD or `today`"
    )


class Choice(SpecModel):
    """One option of a choice: what is stored, and what is shown."""

    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")] = Field(
        description="what the answer stores, and what conditions compare with"
    )
    label: Text = Field(description="what the applicant reads")


class ChoiceField(InputField):
    """One option among those listed; the answer is the option's id."""

    type: Literal["choice"]
    choices: tuple[Choice, ...] = Field(min_length=1, description="the options, in order")
    display: Literal["radio", "select"] = Field(
        "radio", description="radio buttons, or a drop-down list"
    )

    def declared_choices(self) -> tuple[Choice, ...]:
        return self.choices


class MultiChoiceField(InputField):
    """Any number of the options listed (checkboxes); the answer is the list of their ids."""

    type: Literal["multi_choice"]
    choices: tuple[Choice, ...] = Field(min_length=1, description="the options, in order")
    min_selected: int | None = Field(default=None, ge=0, description="fewest options to tick")
    max_selected: int | None = Field(default=None, ge=1, description="most options to tick")

    def declared_choices(self) -> tuple[Choice, ...]:
        return self.choices


class YesNoField(InputField):
    """A yes or no question; the answer is `true` or `false`."""

    type: Literal["yes_no"]
    yes_label: Text = Field({"fr": "Oui", "en": "Yes"}, description="the label of the yes")
    no_label: Text = Field({"fr": "Non", "en": "No"}, description="the label of the no")


class CheckboxField(InputField):
    """One box to tick; the answer is `true` when ticked."""

    type: Literal["checkbox"]


class ConsentDocument(SpecModel):
    """The document a consent accepts."""

    title: Text = Field(description="the document's title, as the link shows it")
    url: Annotated[str, Field(min_length=1)] = Field(description="where the document is read")
    version: Annotated[str, Field(min_length=1)] = Field(
        description="the version accepted, recorded with the answer: change it with the text"
    )


class ConsentField(InputField):
    """Acceptance of a document: the answer records the version accepted."""

    type: Literal["consent"]
    document: ConsentDocument = Field(description="the document accepted")


class NotFoundForm(SpecModel):
    """What a "not in the list" link opens: a form whose answers create a new list entry."""

    label: Text = Field(description='the link\'s text ("My organisation is not listed")')
    form: Identifier = Field(description="the form (forms/<id>.yaml) the link opens")
    status: Identifier = Field(description="the status of the entry its answers create")


class ReferenceChoiceField(InputField):
    """An entry of a reference list; the answer is the entry's id, and conditions and
    templates read the entry as `entries.<field id>`."""

    type: Literal["reference_choice"]
    list: Identifier = Field(description="the reference list whose active entries are offered")
    display: Literal["search", "radio", "select"] = Field(
        "select", description="a search box, radio buttons, or a drop-down list"
    )
    search_fields: tuple[Identifier, ...] = Field(
        default=(), description="the list's fields the search box also looks in, besides the label"
    )
    not_found: NotFoundForm | None = Field(
        default=None, description='a "not in the list" link opening a form of a new entry'
    )

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
    text: Text = Field(description="the text: a template, with Markdown links")
    style: Literal["info", "warning", "plain"] = Field(
        "plain", description="how it stands out: an information box, a warning, or plain text"
    )

    has_answer: ClassVar[bool] = False


class GivenField(InputField):
    """An answer given when the draft is made (by an invitation from another workflow's
    request), shown on its step and never typed: what a form posts for it is ignored."""

    type: Literal["given"]
    max_length: int = Field(
        default=200, ge=1, le=10_000, description="most characters kept of the given answer"
    )
    email: YamlBool = Field(
        False, description="the given answer is an email address (the applicant's, to mail)"
    )

    @property  # type: ignore[override]
    def answer_is_email(self) -> bool:  # a given address, copied from the inviting request
        return self.email


class IncludeItem(SpecModel):
    """`- include: form_id` inserts the fields of `forms/form_id.yaml` here."""

    include: Identifier = Field(description="the form whose fields come here")


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
