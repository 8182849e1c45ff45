"""Validation messages shown to applicants, in the workflow's language."""

from __future__ import annotations

from ..translations import N_, Phrasebook

MESSAGES = Phrasebook(
    {
        "required": N_("This field is required."),
        "required_checkbox": N_("Tick this box to continue."),
        "required_consent": N_("You must accept “{title}” to continue."),
        "email": N_("Enter a valid email address, such as name@example.com."),
        "email_mismatch": N_("The two email addresses do not match."),
        "email_confirm_required": N_("Enter your email address again."),
        "phone": N_("Enter a valid French phone number, such as 06 12 34 56 78."),
        "postal_code": N_("Enter a 5-digit French postal code, such as 75001."),
        "year": N_("Enter a 4-digit year, such as 2020."),
        "year_range": N_("Enter a year between {min} and {max}."),
        "year_min": N_("Enter a year from {min} on."),
        "year_max": N_("Enter a year up to {max}."),
        "integer": N_("Enter a whole number."),
        "integer_min": N_("Enter a number greater than or equal to {min}."),
        "integer_max": N_("Enter a number less than or equal to {max}."),
        "date": N_("Enter a valid date, such as 02/10/2026."),
        "date_min": N_("Enter a date from {min} on."),
        "date_max": N_("Enter a date up to {max}."),
        "too_long": N_("This text cannot exceed {max} characters (it has {length})."),
        "too_short": N_("This text must have at least {min} characters."),
        "single_line": N_("This field must fit on one line."),
        "pattern": N_("The value does not have the expected format."),
        "choice": N_("Choose one of the options."),
        "too_few": N_("Choose at least {min} options."),
        "too_many": N_("Choose at most {max} options."),
        "yes_no": N_("Answer yes or no."),
        "reference": N_("Choose an item of the list, or say that it is not there."),
        "session": N_("This session does not exist or is no longer open for registration."),
    }
)


def message(locale: str, key: str, **values: object) -> str:
    return MESSAGES.words(locale)(key, **values)
