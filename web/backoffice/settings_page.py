"""Backoffice: the settings the spec declares (test mode, addresses, delays...), in one form.
Every value is checked before anything is saved: one wrong value saves nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from engine.service import settings_store
from engine.service.settings_store import SettingError
from engine.spec.workflow import Setting
from engine.translations import N_

from ..deps import Form
from ..forms import form_text
from .access import AdminDesk, Desk
from .request_words import local_moment

router = APIRouter(prefix="/backoffice/{workflow_id}")

TYPES = {
    "text": N_("Text"),
    "email": N_("Email address"),
    "boolean": N_("Yes or no"),
    "integer": N_("Whole number"),
    "duration": N_("Duration"),
    "url": N_("Web address"),
}
# What a wrong value of each type should look like, in the desk's language (the store's
# messages are for the command line).
ERRORS = {
    "boolean": N_("Choose yes or no."),
    "integer": N_("Enter a whole number, for example 10."),
    "duration": N_(
        "Enter a duration as a number followed by a unit, without a space: "
        "7d (days), 2w (weeks), 48h (hours), 30min (minutes) or 45s (seconds)."
    ),
    "email": N_("Enter a valid email address, for example name@example.com."),
    "url": N_("Enter a web address starting with https:// or http://."),
}


def shown(desk: Desk, setting: Setting, value: Any) -> str:
    if setting.type == "boolean":
        return desk.gettext("Yes") if value else desk.gettext("No")
    return "" if value is None else str(value)


def check(setting: Setting, raw: str) -> Any:
    """The value to store, or SettingError with a message id (N_) saying what is expected."""
    if (
        setting.type == "url"
        and raw.strip()
        and not raw.strip().startswith(("https://", "http://"))
    ):
        raise SettingError(ERRORS["url"])
    try:
        return settings_store.parse_value(setting, raw)
    except SettingError as error:
        raise SettingError(ERRORS.get(setting.type, N_("Wrong value."))) from error


def _history(desk: Desk) -> list[dict[str, str]]:
    """The latest changes, newest first, as the page shows them."""
    declared = {s.id: s for s in desk.compiled.spec.settings}
    rows = []
    for change in settings_store.setting_changes(desk.db, desk.compiled.spec.id):
        setting = declared.get(change.key)
        label = desk.text(setting.label) if setting is not None else change.key
        rows.append(
            {
                "at": local_moment(desk, change.at),
                "label": label,
                # None: no value of its own before, the version's default applied.
                "before": ""
                if change.previous is None
                else shown(desk, setting, change.previous)
                if setting
                else str(change.previous),
                "after": shown(desk, setting, change.value) if setting else str(change.value),
                "author": change.author,
            }
        )
    return rows


def _page(
    desk: Desk,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    changes: list[dict[str, str]] | None = None,
    saved: bool = False,
    form_expired: bool = False,
    status: int = 200,
) -> HTMLResponse:
    current = settings_store.effective(desk.db, desk.compiled)
    values = values or {}
    errors = errors or {}
    items = []
    for setting in desk.compiled.spec.settings:
        value = current.get(setting.id)
        typed = values.get(setting.id)
        if setting.type == "boolean":
            checked = (typed == "true") if typed is not None else bool(value)
            field_value = "true"
        else:
            checked = False
            field_value = typed if typed is not None else shown(desk, setting, value)
        items.append(
            {
                "id": setting.id,
                "label": desk.text(setting.label),
                "help": desk.text(setting.help),
                "type": setting.type,
                "type_label": desk.gettext(TYPES[setting.type])
                if setting.type in TYPES
                else setting.type,
                "default": shown(desk, setting, setting.default),
                "current": shown(desk, setting, value),
                "value": field_value,
                "checked": checked,
                "error": errors.get(setting.id, ""),
            }
        )
    return desk.page(
        "backoffice/settings.html",
        status=status,
        title=desk.gettext("Settings"),
        settings=items,
        errors=[
            {"id": item["id"], "label": item["label"], "message": item["error"]}
            for item in items
            if item["error"]
        ],
        changes=changes or [],
        history=_history(desk),
        saved=saved,
        form_expired=form_expired,
    )


@router.get("/reglages", response_class=HTMLResponse)
def settings_form(desk: AdminDesk) -> HTMLResponse:
    return _page(desk)


@router.post("/reglages", response_class=HTMLResponse)
def save_settings(desk: AdminDesk, form: Form) -> HTMLResponse:
    settings = desk.compiled.spec.settings
    typed = {
        s.id: ("true" if form.get(s.id) else "false")
        if s.type == "boolean"
        else form_text(form, s.id, 2000)
        for s in settings
    }
    if not desk.csrf_ok(form):
        return _page(desk, values=typed, form_expired=True, status=400)
    current = settings_store.effective(desk.db, desk.compiled)
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for setting in settings:
        try:
            parsed[setting.id] = check(setting, typed[setting.id])
        except SettingError as error:
            errors[setting.id] = desk.gettext(str(error))
    if errors:
        return _page(desk, values=typed, errors=errors, status=400)
    changes = []
    changed: dict[str, str] = {}
    for setting in settings:
        new = parsed[setting.id]
        old = current.get(setting.id)
        if new == old:
            continue
        changed[setting.id] = typed[setting.id]
        changes.append(
            {
                "label": desk.text(setting.label),
                "before": shown(desk, setting, old),
                "after": shown(desk, setting, new),
            }
        )
    settings_store.save_values(desk.db, desk.compiled, changed, author=desk.staff.account.email)
    return _page(desk, changes=changes, saved=True)
