"""The fonts of every PDF, parsed once per process.

A TrueType font costs far more than fpdf2's built-in fonts: `add_font` parses the file with
fontTools for every document, and the output step subsets the whole font. Here each font file
is parsed once per process (the parsed `TTFFont` serves as a prototype: each document gets a
shallow copy with its own mutable parts), and each document's font is subset from a copy of the
font cut down once to the common Latin glyphs, or from the whole font when the document uses a
glyph outside them. See bench/README.md for the measures.

DejaVu Sans is packaged beside this package (`engine/delivery/fonts/`), so that every character
of French (and of most Latin scripts) prints, whatever fonts the machine has."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "dejavusans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# Glyphs kept in the cut-down copy of each font: what French and the other languages written
# in Latin letters need (the Windows-1252 repertoire, Latin Extended-A, the Romanian commas).
# A document that uses any other glyph of DejaVu gets its font subset from the whole file:
# slower, never a missing character. The smaller this copy, the faster the subsetting of every
# document (measured: 384 glyphs, 20 ms a two-page document; 1,425 glyphs, 26 ms).
_COMMON_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A (é è ê à ç ô œ « » ...)
    (0x0192, 0x0192),  # ƒ
    (0x0218, 0x021B),  # Ș ș Ț ț
    (0x02C6, 0x02DD),  # spacing accents (ˆ ˇ ˘ ˙ ˚ ˛ ˜ ˝)
    (0x2000, 0x2027),  # spaces (thin...), dashes, quotes, bullets, ellipsis (– — ’ “ ” • …)
    (0x202F, 0x203A),  # narrow no-break space, per mille, ‹ ›
    (0x2044, 0x2044),  # fraction slash
    (0x20AC, 0x20AC),  # €
    (0x2116, 0x2116),  # №
    (0x2122, 0x2122),  # ™
    (0x2212, 0x2212),  # minus sign
)

# The tables fpdf2 drops when it subsets a font for embedding; dropped from the cut-down copy
# too, as nothing reads them.
_UNUSED_TABLES = (
    "FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT",
    "EBLC", "EBSC", "SVG ", "CPAL", "COLR",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Face:
    """One font file, parsed once. `prototype` is never given to a document, only copied."""

    prototype: TTFFont
    full: bytes
    common: bytes
    common_glyphs: frozenset[str]

    def font_for(self, index: int) -> TTFFont:
        """A font for one document: the prototype's immutable parts (metrics, character map,
        glyph ids) shared, the parts fpdf2 changes while writing a document its own."""
        font = copy.copy(self.prototype)
        font.i = index
        font.cw = self.prototype.cw.copy()  # a defaultdict: reading a missing key adds it
        font.desc = copy.copy(self.prototype.desc)  # gets an object id and the font file
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        font.ttfont = self.open(self.common)
        return font

    def choose_source(self, font: TTFFont) -> None:
        """Once the document is drawn: the whole font if it used a glyph not in the common
        copy. fpdf2 subsets `font.ttfont` in place and closes it: each document has its own."""
        used = set(font.subset.get_all_glyph_names())
        if not used <= self.common_glyphs:
            font.ttfont.close()
            font.ttfont = self.open(self.full)

    @staticmethod
    def open(data: bytes) -> TTFont:
        # recalcBBoxes=False: glyphs are written back as they are stored instead of being
        # decoded and re-encoded to recompute bounding boxes that are already right.
        return TTFont(BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)


def _load_face(style: str) -> Face:
    path = FONT_DIR / FONT_FILES[style]
    full = path.read_bytes()
    loader = FPDF()
    loader.add_font(FAMILY, style, path)
    prototype = loader.fonts[f"{FAMILY}{style}"]
    assert isinstance(prototype, TTFFont) and prototype.color_font is None
    prototype.close()  # everything needed is parsed; the documents open their own copies
    cmap = prototype.cmap
    names = sorted(
        {
            cmap[code]
            for low, high in _COMMON_RANGES
            for code in range(low, high + 1)
            if code in cmap
        }
    )
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += list(_UNUSED_TABLES)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=names)
    cut = TTFont(BytesIO(full), recalcTimestamp=False)
    subsetter.subset(cut)
    buffer = BytesIO()
    cut.save(buffer)
    common = buffer.getvalue()
    glyphs = frozenset(TTFont(BytesIO(common), lazy=True).getGlyphOrder())
    return Face(prototype=prototype, full=full, common=common, common_glyphs=glyphs)


_FACES: dict[str, Face] = {}
_FACES_LOCK = threading.Lock()


def faces() -> dict[str, Face]:
    if len(_FACES) < len(FONT_FILES):
        with _FACES_LOCK:
            for style in FONT_FILES:
                if style not in _FACES:
                    _FACES[style] = _load_face(style)
    return _FACES


def preload_fonts() -> None:
    """Parses the fonts now (about 0.3 s, once per process) rather than in the first render,
    e.g. when a server starts."""
    faces()
