"""Who a mail goes to, as the YAML declares it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, EmailStr, Tag

from ..spec_types import Identifier, SpecModel


class RoleRecipient(SpecModel):
    """Every backoffice user holding the role."""

    role: Identifier


class FieldRecipient(SpecModel):
    """The address answered in an email field, or held by the chosen entry of a reference-choice
    field (`field: organisation_choice`, `attribute: contact_email`)."""

    field: Identifier
    attribute: Identifier | None = None


class SettingRecipient(SpecModel):
    """The address stored in a setting (editable in the backoffice)."""

    setting: Identifier


class AddressRecipient(SpecModel):
    address: EmailStr


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
