"""The page of diagnostic codes: every code `onboarding validate` reports, an example of what
causes it, and its fix."""

from __future__ import annotations

from engine.check.code_help import CODE_HELP
from engine.check.diagnostics import CODES

from .markdown import GENERATED_NOTICE, table


def diagnostics_page() -> str:
    parts = [
        GENERATED_NOTICE,
        "# Diagnostic codes",
        "`onboarding validate` reports every problem at once, each as `file:line:column: CODE "
        "message`, often with a `hint:` line; `--format json` gives the same as a list of "
        "objects (`code`, `message`, `hint`, `file`, `line`, `column`, `severity`). A code "
        "keeps its meaning once published, so scripts may match on it.",
        table(("code", "what it means"), ((f"[{c}](#{c.lower()})", t) for c, t in CODES.items())),
    ]
    for code, title in CODES.items():
        help_ = CODE_HELP[code]
        parts += [
            f"## {code}",
            f"**{title[:1].upper() + title[1:]}.**",
            "For example:",
            f"```yaml\n{help_.example}\n```",
            f"Fix: {help_.fix}",
        ]
    return "\n\n".join(parts) + "\n"
