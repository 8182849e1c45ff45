"""A browser without JavaScript, for HTTP tests: it keeps cookies, reads pages the way a person
sees them, and submits a page's form with what the form already holds (hidden inputs, the
values shown back, checked boxes) plus what the test types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

Typed = Mapping[str, str | list[str] | None]


class Page:
    def __init__(self, response: Any) -> None:
        self.response = response
        self.status = response.status_code
        self.url = str(response.url)
        self.html = response.text
        self.soup = BeautifulSoup(response.text, "html.parser")

    @property
    def text(self) -> str:
        """The page's words as a person reads them (scripts, hidden fields excluded)."""
        soup = BeautifulSoup(self.html, "html.parser")
        for hidden in soup.select("[hidden], script, style, input[type=hidden]"):
            hidden.decompose()
        return " ".join(soup.get_text(" ").split())

    @property
    def title(self) -> str:
        h = self.soup.find("title")
        return " ".join(h.get_text().split()) if h else ""

    def heading(self) -> str:
        h = self.soup.select_one("h2.step-title") or self.soup.find("h1")
        return " ".join(h.get_text().split()) if h else ""

    @property
    def progress(self) -> str:
        p = self.soup.select_one(".progress__text")
        return p.get_text(strip=True) if p else ""

    @property
    def summary(self) -> list[str]:
        """The messages of the error summary at the top."""
        return [" ".join(a.get_text().split()) for a in self.soup.select("#error-summary li a")]

    def summary_targets(self) -> list[str]:
        return [str(a["href"]).lstrip("#") for a in self.soup.select("#error-summary li a")]

    def field_error(self, name: str) -> str:
        p = self.soup.find(id=f"{name}-error")
        text = " ".join(p.get_text().split()) if p else ""
        return text.removeprefix("Erreur :").removeprefix("Error:").strip()

    def visible_fields(self) -> list[str]:
        return [
            str(div["data-field"])
            for div in self.soup.select("form.wizard [data-field]")
            if not div.has_attr("hidden")
        ]

    def form(self, index: int = 0) -> Tag:
        forms = self.soup.select("form[method=post]")
        if not forms:
            raise AssertionError(f"no form on {self.url}: {self.text[:300]}")
        return forms[index]

    def value(self, name: str) -> str | None:
        element = self.soup.find(attrs={"name": name})
        if element is None:
            return None
        if element.name == "textarea":
            return element.get_text()
        return str(element.get("value", ""))

    def checked(self, name: str) -> list[str]:
        return [
            str(i.get("value", "on"))
            for i in self.soup.find_all("input", attrs={"name": name})
            if i.has_attr("checked")
        ]


def form_values(form: Tag) -> dict[str, list[str]]:
    """What submitting the form unchanged would send (buttons excluded)."""
    values: dict[str, list[str]] = {}
    for element in form.find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        kind = element.get("type", "text")
        if element.name == "input" and kind in ("submit", "button"):
            continue
        if element.name == "input" and kind in ("radio", "checkbox"):
            if element.has_attr("checked"):
                values.setdefault(name, []).append(str(element.get("value", "on")))
            continue
        if element.name == "textarea":
            values.setdefault(name, []).append(element.get_text())
        elif element.name == "select":
            chosen = element.find("option", selected=True)
            values.setdefault(name, []).append(str(chosen.get("value", "")) if chosen else "")
        else:
            values.setdefault(name, []).append(str(element.get("value", "")))
    return values


class Browser:
    def __init__(self, app: Any) -> None:
        self.client = TestClient(app, base_url="http://testserver")
        self.page: Page | None = None

    def get(self, url: str) -> Page:
        self.page = Page(self.client.get(url))
        return self.page

    def submit(
        self, typed: Typed | None = None, *, nav: str | None = "next", form: int = 0, **extra: str
    ) -> Page:
        """Fills the current page's form and presses the button `_nav=<nav>`."""
        assert self.page is not None, "open a page first"
        element = self.page.form(form)
        values = form_values(element)
        for name, value in (typed or {}).items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = [value] if isinstance(value, str) else list(value)
        if nav is not None:
            values["_nav"] = [nav]
        for name, value in extra.items():
            values[name] = [value]
        action = str(element.get("action") or self.page.url)
        self.page = Page(self.client.post(action, data=values))
        return self.page

    def post(self, url: str, data: Mapping[str, Any]) -> Page:
        self.page = Page(self.client.post(url, data=dict(data)))
        return self.page

    def csrf(self) -> str:
        assert self.page is not None
        found = self.page.soup.find("input", attrs={"name": "_csrf"})
        return str(found["value"]) if found else ""


def first_link(text: str, pattern: str) -> str:
    """The first URL of a mail's text matching `pattern` (a regular expression)."""
    found = re.search(pattern, text)
    if found is None:
        raise AssertionError(f"no link matching {pattern!r} in:\n{text}")
    return found.group(0)
