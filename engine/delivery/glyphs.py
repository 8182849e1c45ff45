"""Which characters of a text the PDFs cannot print: those the packaged font (DejaVu Sans) has
no glyph for, such as emoji or scripts like Devanagari. They would be missing from the printed
page without a word, so the request page names the answers that hold some.

The font's character map is read once, and only when a text holds a character beyond the
Latin, Greek and Cyrillic letters the font is known to cover: most pages never read it."""

from __future__ import annotations

import unicodedata
from functools import cache

FONT_FILE = "DejaVuSans.ttf"

# Below this code point DejaVu Sans has every letter and sign (Latin, IPA, Greek, Cyrillic).
_SURELY_PRINTED = 0x0530


@cache
def _printable() -> frozenset[int]:
    # fontTools comes with fpdf2; imported here, when a text needs it, not when a page loads.
    from pathlib import Path

    from fontTools.ttLib import TTFont

    path = Path(__file__).resolve().parent / "fonts" / FONT_FILE
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _invisible(char: str) -> bool:
    """Joiners, spaces, variation selectors: nothing of their own to draw (a combining mark,
    such as a virama, is drawn)."""
    return unicodedata.category(char) in ("Cf", "Mn", "Zs", "Cc") and not unicodedata.combining(
        char
    )


def unprintable(text: str) -> list[str]:
    """The distinct characters of `text` the PDFs would leave out, in order of appearance."""
    found: list[str] = []
    for char in text:
        code = ord(char)
        if code < _SURELY_PRINTED or char in found or _invisible(char):
            continue
        if code not in _printable():
            found.append(char)
    return found
