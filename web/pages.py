"""Rendering the generic screens: one Jinja environment for the web templates (autoescaped,
undefined names are errors), the words of the page's locale, the CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .i18n import Words
from .template_gettext import gettext, ngettext

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CSRF_FIELD = "_csrf"


def static_version() -> str:
    """Changes when a static file changes, so browsers never keep an old stylesheet."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def make_templates() -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: no need to look at their files again on every page.
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # `{% trans %}` blocks are read with their whitespace collapsed, as babel.cfg extracts them.
    environment.policies["ext.i18n.trimmed"] = True
    environment.newstyle_gettext = True  # type: ignore[attr-defined]
    environment.globals.update(gettext=gettext, ngettext=ngettext)
    environment.globals["static_version"] = static_version()
    return Jinja2Templates(env=environment)


def csrf_token(request: Request) -> str:
    """One token per browser session; forms send it back, cross-site forms cannot."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: object) -> bool:
    token = request.session.get("csrf")
    return isinstance(token, str) and isinstance(sent, str) and hmac.compare_digest(token, sent)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    locale: str = "fr",
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    base = {
        "words": Words(locale),
        "locale": locale,
        "csrf": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "organisation": {},
        "brand": "",
        "header_title": "",
    }
    base.update(context)
    response = templates.TemplateResponse(request, template, base, status_code=status)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def message_page(
    request: Request,
    title: str,
    message: str,
    *,
    status: int = 200,
    locale: str = "fr",
    kind: str = "info",
    links: list[tuple[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {"title": title, "message": message, "kind": kind, "links": links or []}
    context.update(extra or {})
    return render(request, "message.html", context, status=status, locale=locale)
