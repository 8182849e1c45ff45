"""Who a mail goes to, as the YAML declares it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal

from pydantic import Discriminator, EmailStr, Field, Tag

from ..spec_types import Identifier, SpecModel
from .registry import Reference


class RoleRecipient(SpecModel):
    """Every backoffice user holding the role."""

    role: Identifier = Field(description="a role of the workflow")


class FieldRecipient(SpecModel):
    """The address answered in an email field, or held by the chosen entry of a reference-choice
    field (`field: organisation_choice`, `attribute: contact_email`)."""

    field: Identifier = Field(description="an email field, or a reference-choice field")
    attribute: Identifier | None = Field(
        default=None, description="for a reference-choice field: the entry's email field"
    )


class SettingRecipient(SpecModel):
    """The address stored in a setting (editable in the backoffice)."""

    setting: Identifier = Field(description="a setting of type email")


class AddressRecipient(SpecModel):
    """A fixed address, written in the workflow."""

    address: EmailStr = Field(description="an email address")


def _recipient_kind(value: Any) -> str:
    if isinstance(value, str):
        return "applicant"
    if isinstance(value, dict):
        for key in ("role", "field", "setting", "address"):
            if key in value:
                return key
        return "address"
    return type(value).__name__


Recipient = Annotated[
    Annotated[Literal["applicant"], Tag("applicant")]
    | Annotated[RoleRecipient, Tag("role")]
    | Annotated[FieldRecipient, Tag("field")]
    | Annotated[SettingRecipient, Tag("setting")]
    | Annotated[AddressRecipient, Tag("address")],
    Discriminator(_recipient_kind),
]


def recipient_references(recipients: Iterable[Any], key: str) -> Iterator[Reference]:
    for index, recipient in enumerate(recipients):
        path: tuple[str | int, ...] = (key, index)
        if isinstance(recipient, RoleRecipient):
            yield Reference("role", recipient.role, (*path, "role"))
        elif isinstance(recipient, FieldRecipient):
            kind = "email_field" if recipient.attribute is None else "reference_field"
            name = (
                recipient.field
                if recipient.attribute is None
                else (f"{recipient.field}.{recipient.attribute}")
            )
            yield Reference(kind, name, (*path, "field"))
        elif isinstance(recipient, SettingRecipient):
            yield Reference("email_setting", recipient.setting, (*path, "setting"))
        elif recipient == "applicant":
            yield Reference("applicant", "email", path)
