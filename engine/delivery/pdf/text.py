"""Text hygiene for PDFs: what applicants typed becomes printable text, and headers and footers
carry page-number markers that no typed value can forge."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

# C0 and C1 controls (tab and line feed are handled before), lone surrogates, bidirectional
# embeddings, overrides and isolates, the byte order mark.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_LINE_BREAKS = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_SPACES = re.compile(r"[ \n]+")  # not the no-break spaces of French typography


def _printable(value: str) -> str:
    text = _LINE_BREAKS.sub("\n", value).replace("\t", " ")
    return unicodedata.normalize("NFC", _UNPRINTABLE.sub("", text))


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Printable text: line breaks unified (kept only if `multiline`), tabs made spaces, control
    characters removed, at most one blank line in a row, Unicode composed (NFC) so that a letter
    typed as base + combining accent prints as one glyph."""
    text = _printable(value)
    if not multiline:
        return _SPACES.sub(" ", text).strip()
    text = _BLANK_LINES.sub("\n\n", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def clean_data(value: Any) -> Any:
    """The template context with every string cleaned (line breaks kept), at any depth."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {key: clean_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_data(item) for item in value]
    return value


# Page numbers in headers and footers. The markers are control characters, which no rendered
# value can contain (they are cleaned away), so an applicant cannot forge a page number.
PAGE_MARK = "\x1epage\x1e"
PAGES_MARK = "\x1epages\x1e"
_MARKS = re.compile(f"({PAGE_MARK}|{PAGES_MARK})")
# fpdf2 writes the page count in place of this alias at output; it reserves the width of as
# many digits as the alias has characters (three).
PAGES_ALIAS = "\x1dN\x1d"


def page_parts(rendered: str) -> list[str]:
    """A rendered header or footer cut into text and page-number markers, each text cleaned
    apart so that the markers stay and the spaces around them too."""
    parts = [
        part if part in (PAGE_MARK, PAGES_MARK) else _SPACES.sub(" ", _printable(part))
        for part in _MARKS.split(rendered)
    ]
    parts[0], parts[-1] = parts[0].lstrip(), parts[-1].rstrip()
    return parts
