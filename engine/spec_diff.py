"""What changed between two versions of a workflow: states, transitions, wizard fields, mails
and settings added, removed or changed. Pure: `onboarding diff` adds the requests each change
affects, read from the database by `engine/service/version_moves.py`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from .compiled import CompiledWorkflow
from .spec.process import ActionCall

Kind = Literal["state", "transition", "field", "mail", "setting"]
How = Literal["added", "removed", "changed"]
KINDS: tuple[Kind, ...] = ("state", "transition", "field", "mail", "setting")

_MAILS = "mail_templates/"


@dataclass(frozen=True, slots=True)
class Change:
    kind: Kind
    id: str
    how: How
    # What a request must be in to be touched by the change, in the OLD version's terms:
    # the states it sits in (None: every request of the old version).
    states: frozenset[str] | None = None
    # Only drafts (requests still in the wizard) are touched: an added field is asked of them.
    drafts_only: bool = False


def _plain(value: Any) -> Any:
    """What json cannot write itself: an action (not a pydantic model), dates, tuples' items."""
    if isinstance(value, ActionCall):
        return {"kind": value.kind, "params": _plain(value.params), "when": value.when}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", by_alias=True, warnings=False)
    return str(value)


def _dumped(model: BaseModel) -> str:
    return json.dumps(
        model.model_dump(mode="python", by_alias=True, warnings=False),
        sort_keys=True,
        default=_plain,
    )


def _compare(kind: Kind, old: Mapping[str, str], new: Mapping[str, str]) -> list[tuple[str, How]]:
    """Ids added, removed and changed, in the order of the old version then the new one."""
    found: list[tuple[str, How]] = []
    for key, text in old.items():
        if key not in new:
            found.append((key, "removed"))
        elif new[key] != text:
            found.append((key, "changed"))
    found.extend((key, "added") for key in new if key not in old)
    return found


def _mails(compiled: CompiledWorkflow) -> dict[str, str]:
    """Each mail template's files, joined: a mail changed when any of its parts did."""
    parts: dict[str, list[str]] = {}
    for name in sorted(compiled.files):
        if name.startswith(_MAILS) and "/" in name[len(_MAILS) :]:
            mail = name[len(_MAILS) :].split("/", 1)[0]
            if not mail.startswith("_"):  # layouts are shared, not mails
                parts.setdefault(mail, []).append(f"{name}\n{compiled.files[name]}")
    return {mail: "\n".join(texts) for mail, texts in parts.items()}


def _sources(compiled: CompiledWorkflow, names: Iterable[str]) -> frozenset[str]:
    """The states that the transitions naming one of `names` (in their actions) leave from."""
    wanted = set(names)
    states: set[str] = set()
    for transition in compiled.spec.process.transitions:
        actions = " ".join(_dumped(a.params) for a in transition.actions)
        if any(f'"{name}"' in actions for name in wanted):
            states.update(transition.source)
    return frozenset(states)


def spec_changes(old: CompiledWorkflow, new: CompiledWorkflow) -> list[Change]:
    """Every change from `old` to `new`, grouped by kind."""
    changes: list[Change] = []
    old_process, new_process = old.spec.process, new.spec.process
    for key, how in _compare(
        "state",
        {s.id: _dumped(s) for s in old_process.states},
        {s.id: _dumped(s) for s in new_process.states},
    ):
        changes.append(Change("state", key, how, frozenset({key})))
    old_transitions = {t.id: t for t in old_process.transitions}
    for key, how in _compare(
        "transition",
        {t.id: _dumped(t) for t in old_process.transitions},
        {t.id: _dumped(t) for t in new_process.transitions},
    ):
        before = old_transitions.get(key)
        states = frozenset(before.source) if before is not None else frozenset()
        if how == "added":
            fresh = next(t for t in new_process.transitions if t.id == key)
            states = frozenset(fresh.source)
        changes.append(Change("transition", key, how, states))
    initial = frozenset({old_process.initial})
    for key, how in _compare(
        "field",
        {k: _dumped(f) for k, f in old.fields.items()},
        {k: _dumped(f) for k, f in new.fields.items()},
    ):
        changes.append(Change("field", key, how, initial, drafts_only=True))
    for key, how in _compare("mail", _mails(old), _mails(new)):
        changes.append(Change("mail", key, how, _sources(old, [key]) | _sources(new, [key])))
    for key, how in _compare(
        "setting",
        {s.id: _dumped(s) for s in old.spec.settings},
        {s.id: _dumped(s) for s in new.spec.settings},
    ):
        changes.append(Change("setting", key, how, None))
    return changes


def affected(change: Change, by_state: Mapping[str, int], drafts: int) -> int:
    """How many requests of the old version a change touches, from their count per state."""
    if change.drafts_only:
        return drafts
    if change.states is None:
        return sum(by_state.values())
    return sum(n for state, n in by_state.items() if state in change.states)


def describe(change: Change) -> dict[str, Any]:
    return {"kind": change.kind, "id": change.id, "how": change.how}
