"""A text that a field's `pattern` matches, made from the regular expression itself, so that
`onboarding simulate` and the sample renderings answer a field such as `^[A-Z]{2}-\\d{4}$`
with `AA-0000` instead of a word the wizard refuses.

Deterministic on purpose (the same pattern always gives the same text, as a sample must): it
walks the tree of Python's own regular-expression parser, taking each repetition's minimum (then
a few more if the text is too short), a branch's first alternative and a class's first member.
Every candidate is checked with `re.fullmatch`, as the wizard checks it; lookarounds and other
constructs the walk cannot honour simply yield no candidate (None)."""

from __future__ import annotations

import re
from collections.abc import Callable
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

# Characters tried for a class or a wildcard, in order: readable ones first.
_POOL = "AaBb0123456789Zz_-.@ xX"
# For a wildcard, in turn: a text of several kinds of characters satisfies more lookaheads
# (`(?=.*\d).{8,}`) than one letter repeated.
_ANY = "Aa0Bb1Cc2"
_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    sre.CATEGORY_DIGIT: lambda c: bool(re.fullmatch(r"\d", c)),
    sre.CATEGORY_NOT_DIGIT: lambda c: not re.fullmatch(r"\d", c),
    sre.CATEGORY_WORD: lambda c: bool(re.fullmatch(r"\w", c)),
    sre.CATEGORY_NOT_WORD: lambda c: not re.fullmatch(r"\w", c),
    sre.CATEGORY_SPACE: lambda c: c.isspace(),
    sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
}


class _Unsupported(Exception):
    """A construct the walk cannot turn into text."""


def _in_class(items: list[tuple[Any, Any]], char: str) -> bool:
    negate = False
    found = False
    for op, value in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            found = found or char == chr(value)
        elif op is sre.RANGE:
            found = found or value[0] <= ord(char) <= value[1]
        elif op is sre.CATEGORY and value in _CATEGORIES:
            found = found or _CATEGORIES[value](char)
        else:
            raise _Unsupported(op)
    return found != negate


def _class_char(items: list[tuple[Any, Any]]) -> str:
    own = [
        chr(value) if op is sre.LITERAL else chr(value[0])
        for op, value in items
        if op in (sre.LITERAL, sre.RANGE)
    ]
    for char in [*own, *_POOL]:
        if _in_class(items, char):
            return char
    raise _Unsupported("no character of the class")


class _Walk:
    def __init__(self, extra: int, limit: int) -> None:
        self.extra = extra  # repetitions beyond each minimum
        self.limit = limit  # longer than the field allows: no use going on (`(a{999}){999}`)
        self.groups: dict[int, str] = {}
        self.wildcards = 0

    def text(self, tree: Any) -> str:
        return "".join(self.node(op, value) for op, value in tree)

    def node(self, op: Any, value: Any) -> str:
        if op is sre.LITERAL:
            return chr(value)
        if op is sre.NOT_LITERAL:
            return next(c for c in _POOL if c != chr(value))
        if op is sre.ANY:
            self.wildcards += 1
            return _ANY[(self.wildcards - 1) % len(_ANY)]
        if op is sre.IN:
            return _class_char(value)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, sub = value
            count = low + self.extra if high == sre.MAXREPEAT else min(high, low + self.extra)
            parts: list[str] = []
            length = 0
            for _ in range(count):
                parts.append(self.text(sub))
                length += len(parts[-1])
                if length > self.limit:
                    raise _Unsupported("longer than the field allows")
            return "".join(parts)
        if op is sre.SUBPATTERN:
            group, _add, _del, sub = value
            text = self.text(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op is sre.GROUPREF:
            return self.groups.get(value, "")
        if op is sre.BRANCH:
            return self.text(value[1][0])
        if op is sre.ATOMIC_GROUP:
            return self.text(value)
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return ""  # anchors and lookarounds: the final fullmatch decides
        raise _Unsupported(op)


def pattern_sample(pattern: str, *, min_length: int | None = None, max_length: int) -> str | None:
    """A text the whole pattern matches, within the lengths, with no space at either end (the
    wizard strips them); None when the walk finds none."""
    try:
        tree = _parser.parse(pattern)
    except (re.error, RecursionError):
        return None
    for extra in (0, 1, 2, 4, 8, 16):
        try:
            text = _Walk(extra, max_length).text(tree)
        except (_Unsupported, StopIteration, RecursionError):
            return None
        if (
            text == text.strip()
            and text
            and len(text) <= max_length
            and (min_length is None or len(text) >= min_length)
            and re.fullmatch(pattern, text)
        ):
            return text
    return None
