"""What is checked on every page a person may reach: axe-core's serious and critical
accessibility violations, and, on a narrow screen, that nothing makes the page scroll sideways."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from playwright.sync_api import Page

from .harness import axe_script

BLOCKING = {"serious", "critical"}


@cache
def _axe() -> str:
    return axe_script()


def axe_violations(page: Page) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it is now. The script
    is evaluated through the browser's debugging protocol, which the pages' Content Security
    Policy (scripts from the app's own origin only) rightly does not allow from a page."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe())
    results: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
    )
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = "; ".join(
            " ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        found.append(f"{violation['impact']} {violation['id']}: {violation['help']} — {targets}")
    return found


def horizontal_overflow(page: Page) -> str:
    """Empty when the page fits its width; else how wide it is and which elements stick out."""
    report: str = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) { return ""; }
          const culprits = [];
          for (const el of document.body.querySelectorAll("*")) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0) {
              const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                + (el.className && typeof el.className === "string"
                   ? "." + el.className.trim().split(/\\s+/).join(".") : "");
              culprits.push(name + " (" + Math.round(box.right) + " px)");
            }
            if (culprits.length >= 5) { break; }
          }
          return document.documentElement.scrollWidth + " px wide for " + width + " px: "
            + culprits.join(", ");
        }"""
    )
    return report


@dataclass
class Inspection:
    """Collects the problems of every page visited, so that one run reports them all."""

    narrow: bool
    problems: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str) -> None:
        where = f"{name} ({page.url.split('/', 3)[-1]})"
        self.visited.append(name)
        for violation in axe_violations(page):
            self.problems.append(f"{where}: {violation}")
        if self.narrow:
            overflow = horizontal_overflow(page)
            if overflow:
                self.problems.append(f"{where}: scrolls sideways, {overflow}")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)
