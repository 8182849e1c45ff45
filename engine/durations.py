"""Durations as organisations write them (`7d`, `48h`, `30min`, `2w`, `45s`): read into a
timedelta, or into their amount and unit to be said in words. Below every other module, so
that the spec's types and the templates' filters read them the same way."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*(w|d|h|min|s)\s*$")
_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "min": 60, "s": 1}


def parse_duration(value: str) -> timedelta | None:
    """`"7d"`, `"48h"`, `"30min"`, `"2w"`, `"45s"` → timedelta; anything else → None."""
    match = _DURATION.match(value)
    if match is None:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def duration_parts(value: str) -> tuple[int, str] | None:
    """`"36h"` → (36, "h"): a duration as written, for saying it in words."""
    match = _DURATION.match(value)
    return None if match is None else (int(match.group(1)), match.group(2))


