"""What the wizard keeps of a typed text: no control character, no bidirectional override,
NFC, trimmed; everything else as typed."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from engine.wizard.values import clean_text

BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@given(raw=st.text(), multiline=st.booleans())
def test_nothing_foreign_is_kept(raw: str, multiline: bool) -> None:
    cleaned = clean_text(raw, multiline=multiline)
    for char in cleaned:
        assert char not in BIDI_CONTROLS
        assert unicodedata.category(char) not in ("Cc", "Cs") or (multiline and char == "\n")
    assert cleaned == cleaned.strip()
    assert unicodedata.is_normalized("NFC", cleaned)


@given(raw=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_an_ordinary_text_is_only_trimmed(raw: str) -> None:
    assert clean_text(raw, multiline=False) == unicodedata.normalize("NFC", raw).strip()


def test_line_breaks_tabs_and_invisible_characters() -> None:
    assert clean_text(" a\tb\r\nc\u202e\x00 ", multiline=False) == "a b c"
    assert clean_text("a\r\nb\rc\td", multiline=True) == "a\nb\nc d"
    # A no-break space and a zero-width joiner (emoji sequences) are letters of a text.
    assert clean_text("10\u00a0000 👩\u200d💻", multiline=False) == "10\u00a0000 👩\u200d💻"
    assert clean_text("e\u0301te\u0301", multiline=False) == "été"
    # A dropped character between a letter and its accent: they still make one letter.
    assert clean_text("e\x00\u0301", multiline=False) == "é"
