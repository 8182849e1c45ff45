"""Words of the generic screens (the spec supplies everything else): English message ids,
translated through the gettext catalogs (`engine/translations.py`)."""

from __future__ import annotations

from engine.translations import N_, Phrasebook, preferred_language
from engine.translations import Words as PhrasebookWords

UI = Phrasebook(
    {
        "backoffice": N_("Backoffice"),
        "bo_login": N_("Backoffice login"),
        "bo_no_access": N_("Your account gives access to no process of the backoffice."),
        "bo_forbidden_title": N_("Access denied"),
        "bo_forbidden": N_("Your roles do not give access to this page."),
        "bo_requests": N_("Requests"),
        "bo_notifications": N_("Notifications"),
        "bo_unread": N_("{n} unread"),
        "bo_overview": N_("Overview"),
        "bo_summary": N_("Answers summary"),
        "bo_mails": N_("Mails"),
        "bo_webhooks": N_("Webhooks"),
        "bo_consents": N_("Consents"),
        "bo_attendance": N_("Attendance"),
        "bo_sessions": N_("Sessions"),
        "bo_lists": N_("Reference lists"),
        "bo_pdf": N_("PDF test"),
        "bo_export": N_("Export"),
        "bo_settings": N_("Settings"),
        "bo_users": N_("Users"),
        "bo_user_not_yourself": N_("You cannot deactivate your own account."),
        "bo_api_tokens": N_("API tokens"),
        "tok_lead": N_(
            "Programs call the JSON API (/api/v1) with a token, which acts with a "
            "role of this process: it reads and does what a user of that role reads"
            " and does in the backoffice. The token is shown once, when it is "
            "created; only its hash is kept."
        ),
        "tok_created": N_("Token “{name}” created. Copy it now: it will not be shown again."),
        "tok_revoked": N_("Token “{name}” revoked: it no longer opens the API."),
        "tok_caption": N_("API tokens of this process"),
        "tok_name": N_("Name"),
        "tok_prefix": N_("Token starts with"),
        "tok_role": N_("Role"),
        "tok_created_col": N_("Created"),
        "tok_last_used": N_("Last used"),
        "tok_state": N_("State"),
        "tok_never": N_("never"),
        "tok_active": N_("Active"),
        "tok_revoked_on": N_("Revoked on {when}"),
        "tok_revoke": N_("Revoke"),
        "tok_none": N_("No token yet."),
        "tok_new": N_("Create a token"),
        "tok_name_help": N_("What it is for, for example “CRM synchronisation”."),
        "tok_create": N_("Create the token"),
        "tok_expired": N_("The form expired: try again."),
        "tok_not_found": N_("This token does not exist."),
        "tok_by": N_("by {who}"),
        "bo_user_beyond_reach": N_(
            "This account also has roles in a process you do not administer: only "
            "its administrator may deactivate it."
        ),
        "skip": N_("Skip to content"),
        "step_of": N_("Step {n} of {total}"),
        "previous": N_("Previous step"),
        "next": N_("Next step"),
        "cancel": N_("Cancel"),
        "search": N_("Search"),
        "choose_action": N_("Choose an action"),
        "required_mark": N_("required"),
        "yes": N_("Yes"),
        "no": N_("No"),
        "select_placeholder": N_("— Choose —"),
        "date_placeholder": N_("dd/mm/yyyy"),
        "bad_request": N_(
            "The request could not be handled: the form sent is invalid or too large."
        ),
        "error_summary_one": N_("There is a problem with the form"),
        "error_summary_many": N_("There are {n} problems with the form"),
        "error_prefix": N_("Error:"),
        "new_fields": N_("New fields appeared after your answer: fill them in, then continue."),
        "resumed": N_("You are resuming your request where you left it."),
        "resume_title": N_("Resume later"),
        "resume_text": N_(
            "Your answers are saved at every step. Keep this link to resume your "
            "request from another browser:"
        ),
        "search_results": N_("{n} result(s)"),
        "search_none": N_(
            "No result: check the spelling, or say below that your choice is not in the list."
        ),
        "search_hint": N_("Type at least 2 characters, then select “Search”."),
        "search_results_legend": N_("Search results"),
        "session_code": N_("Chosen session code"),
        "open_sessions": N_("Sessions open for registration"),
        "no_sessions": N_("No session is open for registration at the moment."),
        "register": N_("Register"),
        "seats_left": N_("{n} seat(s) left"),
        "full": N_("Full: waiting list"),
        "place": N_("Place"),
        "session_unknown_title": N_("Session not found"),
        "session_unknown": N_("This session does not exist or is no longer open for registration."),
        "see_sessions": N_("See open sessions"),
        "session_closed_title": N_("Registration closed"),
        "session_closed": N_("Registration for session {code} closed on {closed}."),
        "session_closed_draft": N_(
            "Registration for session {code} closed on {closed}: your request in "
            "progress can no longer be sent. Your answers are kept. To register all"
            " the same, write to {email}, or choose another session."
        ),
        "registration_closes": N_("Registration until {closes}"),
        "submitted_title": N_("Request sent"),
        "your_reference": N_("Your request's reference"),
        "cancel_title": N_("Abandon the request"),
        "cancel_question": N_(
            "Do you really want to abandon this request? The answers given so far will be erased."
        ),
        "cancel_confirm": N_("Yes, abandon my request"),
        "cancel_back": N_("No, back to my request"),
        "cancelled_draft": N_("Your request was abandoned; no answer was kept."),
        "form_expired": N_(
            "The form expired. Your answers are shown below: check them and send again."
        ),
        "login_title": N_("Login"),
        "login_intro": N_(
            "Log in with your account to continue your request: your details will be filled in."
        ),
        "login_platform_hint": N_(
            "You already have an account on {platform}, but not here yet? Start a "
            "new request with the same email address: your existing account there "
            "will be found and used for your registration, with no second one "
            "created."
        ),
        "login_platform_start": N_("Start a new request"),
        "platform_default_name": N_("our training platform"),
        "email": N_("Email address"),
        "password": N_("Password"),
        "login": N_("Log in"),
        "logout": N_("Log out"),
        "login_failed": N_("Wrong email address or password."),
        "login_throttled": N_("Too many attempts: try again in a few minutes."),
        "logged_in_as": N_("Logged in: {name}"),
        "follow_title": N_("Follow or cancel a request"),
        "follow_intro": N_(
            "Enter the email address used for your request: you will receive a link"
            " to follow your requests and cancel them if needed."
        ),
        "follow_send": N_("Send me the link"),
        "follow_sent": N_(
            "If requests are linked to this address, an email with a link to follow"
            " them has just been sent to it. Check your spam folder."
        ),
        "follow_bad_email": N_("Enter a valid email address, such as name@example.com."),
        "my_requests": N_("My requests"),
        "no_requests": N_("No request is linked to this address."),
        "see_request": N_("See the request"),
        "request_title": N_("Request {reference}"),
        "state": N_("State"),
        "submitted_on": N_("Sent on"),
        "session": N_("Session"),
        "invitation_only_title": N_("Personal link needed"),
        "invitation_only": N_(
            "This form opens from the personal link you received by email: follow "
            "that link to answer it."
        ),
        "link_invalid_title": N_("Invalid link"),
        "link_invalid": N_(
            "This link is not valid: it may have been copied incompletely. Copy it "
            "whole from the email, or ask for a new link."
        ),
        "link_expired_title": N_("Link expired"),
        "link_expired": N_(
            "This link has expired. You can ask for a new link to follow your requests."
        ),
        "link_used_title": N_("Link already used"),
        "link_used": N_("This link has already been used: what it allowed has been done."),
        "nothing_to_do": N_("Nothing can be done on this request at the moment."),
        "done_title": N_("Done"),
        "conflict": N_(
            "The request changed meanwhile: nothing was applied. Here is its current state."
        ),
        "comment": N_("Comment"),
        "conflict_draft": N_(
            "Your request was saved from another tab at the same moment: nothing "
            "was lost. Open it again to continue."
        ),
        "continue": N_("Continue"),
        "password_title": N_("Choose your password"),
        "password_intro": N_("Choose the password of your account ({email})."),
        "password_confirm": N_("Confirm the password"),
        "password_save": N_("Save my password"),
        "password_too_short": N_("The password must have at least {n} characters."),
        "password_mismatch": N_("The two passwords do not match."),
        "password_saved": N_("Your password is saved. You can now log in."),
        "not_found_title": N_("Page not found"),
        "not_found": N_("This page does not exist."),
        "bad_request_title": N_("Invalid request"),
        "bad_address": N_(
            "The address requested holds an invalid value. Check the link you "
            "followed or start again from the home page."
        ),
        "form_refused": N_(
            "The form sent holds characters that are not allowed (control "
            "characters, often brought by a copy and paste). Go back, type the text"
            " concerned again and send it once more."
        ),
        "server_error_title": N_("Error"),
        "server_error": N_(
            "An unexpected error occurred. Try again in a moment; the answers "
            "already saved are kept."
        ),
        "unavailable_title": N_("Service temporarily unavailable"),
        "unavailable": N_(
            "The service is very busy at the moment. Try again in a few moments; "
            "the answers already saved are kept."
        ),
        "home": N_("Home"),
        "new_request": N_("New request"),
        "late_link_invalid": N_(
            "This late-registration link is not valid for this session: it may have been copied incompletely. Ask the team who gave it for a new one."
        ),
        "late_link_expired": N_(
            "This late-registration link has expired. Ask the team who gave it for a new one."
        ),
        "late_admitted": N_(
            "Registration for this session is closed, but the training team lets you register until {until}."
        ),
        "bo_reload_problems": N_(
            "The edited workflow files have errors: the previous version keeps serving. The new one is taken as soon as they are fixed."
        ),
        "chars_max": N_("At most {max} characters."),
        "chars_count": N_("{n} of {max} characters"),
        "chars_over": N_("{n} characters too many (at most {max})"),
        "corrections_title": N_("Correct request {reference}"),
        "corrections_lead": N_(
            "The office asks you to correct the answers below. Your other answers stay as you gave them. Send the corrected request with the button at the bottom of the page."
        ),
        "corrections_comment": N_("Message from the office:"),
        "corrections_closed": N_(
            "These answers are no longer to be corrected: the corrected request was sent already, or the office asked again."
        ),
        "bo_corrections": N_("Corrections of the answers"),
        "bo_correction_asked": N_("Asked on {at} by {by}"),
        "bo_correction_done": N_("Corrected on {at}"),
        "bo_correction_waiting": N_("Waiting for the applicant's correction"),
        "bo_correction_superseded": N_("Replaced by a later request on {at}"),
        "bo_correction_steps": N_("Reopened steps"),
        "bo_correction_field": N_("Question"),
        "bo_correction_before": N_("Before"),
        "bo_correction_after": N_("After"),
        "bo_correction_unchanged": N_("No answer changed."),
        "pdf_missing_glyphs": N_(
            "PDF documents cannot print some characters of these answers (they will be missing): {fields}."
        ),
    }
)


class Words(PhrasebookWords):
    """`words("step_of", n=3, total=9)` or `words["next"]` in templates."""

    def __init__(self, locale: str) -> None:
        super().__init__(locale, UI.messages)


def staff_locale(accept_language: str | None, default: str) -> str:
    """The backoffice speaks the staff member's language: the first language of their browser
    that the catalogs offer, else the workflow's (or the deployment's) own (decision 0022)."""
    return preferred_language(accept_language) or default
