"""Diagnostics: what a check reports, and the table of stable codes.

Codes never change meaning once published: CI scripts and editors match on them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum

from ..spec.source import Position


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


CODES: dict[str, str] = {
    # reading the files
    "E001": "YAML syntax error",
    "E002": "empty file or wrong top-level shape",
    "E003": "unknown key",
    "E004": "missing key",
    "E005": "invalid value",
    "E006": "unknown type",
    "E007": "file not found or unreadable",
    "E008": "duplicate key in a mapping",
    # names and references
    "E010": "duplicate id",
    "E011": "unknown field",
    "E012": "unknown reference list",
    "E013": "unknown role",
    "E014": "unknown state",
    "E015": "unknown mail template",
    "E016": "unknown PDF layout",
    "E017": "unknown setting",
    "E018": "unknown document",
    "E019": "unknown form",
    "E020": "unknown action kind",
    "E021": "unknown link",
    "E022": "unknown entry, status or category",
    "E023": "reference of the wrong kind",
    "E024": "reserved name",
    # the process graph
    "E030": "state unreachable from the initial state",
    "E031": "non-final state with no way out",
    "E032": "final state with outgoing transitions",
    "E033": "transition that cannot be fired as declared",
    # expressions
    "E040": "expression does not parse",
    "E041": "expression reads an undeclared name",
    "E042": "expression reads a field of a later step",
    # templates and layouts
    "E050": "template syntax error",
    "E051": "template uses a variable the workflow cannot supply",
    "E052": "mail template part missing",
    # field and value rules
    "E060": "contradictory bounds",
    "E061": "invalid regular expression",
    "E062": "value does not match its declared type",
    "E063": "sub-form does not fit its reference list",
    "E064": "translation missing for the default locale",
    "E065": "start action incomplete",
    "E066": "link purpose declared twice",
    "E067": "learning-platform action without a declared platform",
    "E068": "webhook incomplete",
    "E069": "unknown transition",
    "E070": "unknown event",
    "E071": "a seat event's transition neither gives a seat nor waits for one",
    "E072": "a dated timer names both or neither of before and after",
    "E073": "unknown timer date",
    "E075": "retention rule covers no state, or a state twice",
    "E076": "consent purpose read from a field that is not a yes/no, checkbox or consent",
    "E077": "a training session's document used as a request's document",
    "E078": "table of a PDF layout read from an unknown list",
    "E079": "a calendar document that cannot be made",
    "E080": "a session change event's transition from a state that holds no seat",
    "E085": "unknown invited workflow",
    "E086": "an invitation's answer is not a given field of the invited workflow",
    "E090": "condition compares a field with a value it cannot take",
    "E091": "not a valid duration",
    "E092": "a yes/no value written other than true or false",
    "E100": "a state migration from a state the workflow still declares",
    # what a deployment serves (ONBOARDING_WORKFLOWS) and what a running server can take
    "E105": "a served workflow that does not exist",
    "E106": "two served workflows with the same id or wizard path",
    "E107": "a change the running server takes only after a restart",
    "E108": "an invitation to a workflow the deployment does not serve",
    "E110": "unknown step in a reopening",
    "E111": "a reopened step holds the training session's field",
    "E112": "unknown resubmission transition of a reopening",
    "E113": "a reopening's resubmission is not fired through a link",
    "E114": "a reopening's resubmission does not leave from the state the reopening leads to",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    position: Position
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        text = f"{self.position}: {self.code} {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["position"] = None
        data.update(
            file=self.position.file,
            line=self.position.line,
            column=self.position.column,
            severity=str(self.severity),
        )
        del data["position"]
        return data


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    position = diagnostic.position
    return (position.file, position.line, position.column, diagnostic.code)


def render_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(str(d) for d in sorted(diagnostics, key=sort_key))


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps(
        [d.to_json() for d in sorted(diagnostics, key=sort_key)], ensure_ascii=False, indent=2
    )
