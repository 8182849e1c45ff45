"""Backoffice: the settings the spec declares (test mode, addresses, delays...), in one form.
Every value is checked before anything is saved: one wrong value saves nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from engine.service import settings_store
from engine.service.settings_store import SettingError
from engine.spec.workflow import Setting

from ..deps import Form
from ..forms import form_text
from .access import AdminDesk, Desk
from .request_words import local_moment

router = APIRouter(prefix="/backoffice/{workflow_id}")

TYPES = {
    "text": "Texte",
    "email": "Adresse électronique",
    "boolean": "Oui ou non",
    "integer": "Nombre entier",
    "duration": "Durée",
    "url": "Adresse web",
}
# What a wrong value of each type should look like, in French (the store's messages are for
# the command line, in English).
ERRORS = {
    "boolean": "Choisissez oui ou non.",
    "integer": "Saisissez un nombre entier, par exemple 10.",
    "duration": (
        "Saisissez une durée sous la forme d'un nombre suivi d'une unité, sans espace : "
        "7d (jours), 2w (semaines), 48h (heures), 30min (minutes) ou 45s (secondes)."
    ),
    "email": "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
    "url": "Saisissez une adresse web commençant par https:// ou http://.",
}


def shown(setting: Setting, value: Any) -> str:
    if setting.type == "boolean":
        return "Oui" if value else "Non"
    return "" if value is None else str(value)


def check(setting: Setting, raw: str) -> Any:
    """The value to store, or SettingError with a French message."""
    if (
        setting.type == "url"
        and raw.strip()
        and not raw.strip().startswith(("https://", "http://"))
    ):
        raise SettingError(ERRORS["url"])
    try:
        return settings_store.parse_value(setting, raw)
    except SettingError as error:
        raise SettingError(ERRORS.get(setting.type, "Valeur incorrecte.")) from error


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
                else shown(setting, change.previous)
                if setting
                else str(change.previous),
                "after": shown(setting, change.value) if setting else str(change.value),
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
            field_value = typed if typed is not None else shown(setting, value)
        items.append(
            {
                "id": setting.id,
                "label": desk.text(setting.label),
                "help": desk.text(setting.help),
                "type": setting.type,
                "type_label": TYPES.get(setting.type, setting.type),
                "default": shown(setting, setting.default),
                "current": shown(setting, value),
                "value": field_value,
                "checked": checked,
                "error": errors.get(setting.id, ""),
            }
        )
    return desk.page(
        "backoffice/settings.html",
        status=status,
        title="Réglages",
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
            errors[setting.id] = str(error)
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
                "before": shown(setting, old),
                "after": shown(setting, new),
            }
        )
    settings_store.save_values(desk.db, desk.compiled, changed, author=desk.staff.account.email)
    return _page(desk, changes=changes, saved=True)
