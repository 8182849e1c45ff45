"""What the load test's people read on the pages they get: hidden form values, links and
buttons. Regular expressions, not an HTML parser: hundreds of simulated people share the
machine with the server, and these few patterns are all they need."""

from __future__ import annotations

import html
import re

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
SHOWN = re.compile(r'name="_shown" value="([^"]*)"')
RESUME_LINK = re.compile(r'id="resume-link"[^>]*>\s*(\S+?)\s*</textarea>')
REFERENCE = re.compile(r"Référence de votre demande</dt>\s*<dd>(?:<strong>)?([A-Z0-9-]+-\d{4})<")
QUEUE_LINK = re.compile(r'href="/backoffice/[\w-]+/demandes/([A-Za-z0-9-]+)"')
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
FORM_ACTION = re.compile(r'<form\b[^>]*action="([^"]*)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
LINK = re.compile(r"https?://[^\s/]+(/(?:liens|mes-demandes)/\S+)")
HREF = re.compile(r'href="([^"]+)"')
ORIGIN = re.compile(r"^https?://[^/]+")


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    return found.group(1) if found else ""


def shown_of(page: str) -> str:
    found = SHOWN.search(page)
    return html.unescape(found.group(1)) if found else ""


def resume_path(page: str) -> str | None:
    """The path of the "resume later" link a wizard step shows."""
    found = RESUME_LINK.search(page)
    if found is None:
        return None
    return "/" + html.unescape(found.group(1)).split("/", 3)[3]


def reference_of(page: str) -> str | None:
    found = REFERENCE.search(page)
    return found.group(1) if found else None


def queue_references(page: str) -> list[str]:
    """The requests a backoffice queue page lists, once each, in its order."""
    return list(dict.fromkeys(QUEUE_LINK.findall(page)))


def forms(page: str) -> dict[str, dict[str, str]]:
    """Each POST form of the page, by its action, with its hidden values."""
    found = {}
    for form in FORM.findall(page):
        action = FORM_ACTION.search(form)
        if action is None or 'method="post"' not in form:
            continue
        found[html.unescape(action.group(1))] = {
            name: html.unescape(value) for name, value in HIDDEN.findall(form)
        }
    return found


def mailed_path(text: str, prefix: str) -> str | None:
    """The path of the first link of a mail's text that starts with `prefix`."""
    for path in LINK.findall(text):
        if path.startswith(prefix):
            return str(path)
    return None


def hrefs(page: str, prefix: str) -> list[str]:
    """The paths of the page's links that start with `prefix` (absolute links included)."""
    paths = [ORIGIN.sub("", html.unescape(h)) for h in HREF.findall(page)]
    return [path for path in paths if path.startswith(prefix)]
