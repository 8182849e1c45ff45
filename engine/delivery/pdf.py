"""PDF documents (`pdf_layouts/*.yaml`) rendered for one request with fpdf2.

The texts of a layout are templates filled with the same variables as mails, then printed with
DejaVu Sans, packaged beside this module, so that every character of French (and of most Latin
scripts) prints. What applicants typed is only ever text: fpdf2 escapes it inside the PDF's
strings, and control characters are removed before anything is laid out.

Rendering is deterministic: the same layout, snapshot and `created_at` give the same bytes.

Speed. A TrueType font costs far more than fpdf2's built-in fonts: `add_font` parses the file
with fontTools for every document, and the output step subsets the whole font. Here each font
file is parsed once per process (the parsed `TTFFont` serves as a prototype: each document gets
a shallow copy with its own mutable parts), and each document's font is subset from a copy of
the font cut down once to the common Latin glyphs, or from the whole font when the document
uses a glyph outside them. See bench/README.md for the measures.
"""

from __future__ import annotations

import copy
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import OutputProducer
from jinja2 import TemplateError

from ..compiled import CompiledWorkflow
from ..expr import Expression, ExpressionError, parse
from ..process.firing import RequestSnapshot
from ..spec.common import Text
from ..spec.layout import (
    AnyBlock,
    HeadingBlock,
    ParagraphBlock,
    PdfLayout,
    RowsBlock,
    SignaturesBlock,
    SpacerBlock,
)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "dejavusans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


class DocumentError(Exception):
    """A document cannot be rendered; the message says which layout and which text."""


class UnknownLayout(DocumentError):
    def __init__(self, layout_id: str, known: Sequence[str]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown PDF layout '{layout_id}' (known layouts: {listed})")
        self.layout_id = layout_id
        self.known = tuple(sorted(known))


# -- text hygiene ------------------------------------------------------------------------------

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


def _clean_data(value: Any) -> Any:
    """The template context with every string cleaned (line breaks kept), at any depth."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {key: _clean_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_data(item) for item in value]
    return value


# Page numbers in headers and footers. The markers are control characters, which no rendered
# value can contain (they are cleaned away), so an applicant cannot forge a page number.
_PAGE_MARK = "\x1epage\x1e"
_PAGES_MARK = "\x1epages\x1e"
_MARKS = re.compile(f"({_PAGE_MARK}|{_PAGES_MARK})")
# fpdf2 writes the page count in place of this alias at output; it reserves the width of as
# many digits as the alias has characters (three).
_PAGES_ALIAS = "\x1dN\x1d"


@lru_cache(maxsize=1024)
def _expression(source: str) -> Expression:
    return parse(source)


# -- fonts shared by the whole process -------------------------------------------------------

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
class _Face:
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


def _load_face(style: str) -> _Face:
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
    return _Face(prototype=prototype, full=full, common=common, common_glyphs=glyphs)


_FACES: dict[str, _Face] = {}
_FACES_LOCK = threading.Lock()


def _faces() -> dict[str, _Face]:
    if len(_FACES) < len(FONT_FILES):
        with _FACES_LOCK:
            for style in FONT_FILES:
                if style not in _FACES:
                    _FACES[style] = _load_face(style)
    return _FACES


def preload_fonts() -> None:
    """Parses the fonts now (about 0.3 s, once per process) rather than in the first render,
    e.g. when a server starts."""
    _faces()


# -- the document ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Style:
    bold: bool
    size_pt: float
    line_mm: float
    color: tuple[int, int, int]


INK = (25, 25, 25)
MUTED = (90, 90, 90)
RULE = (190, 190, 190)
BODY = _Style(False, 10, 5.0, INK)
LABEL = _Style(False, 9, 5.0, MUTED)  # the line height of BODY: labels sit beside values
HEADING = _Style(True, 13, 7.0, INK)
TITLE = _Style(True, 11, 6.0, INK)
SMALL = _Style(False, 8, 3.8, MUTED)
BOX_LABEL = _Style(False, 9, 4.2, MUTED)
SMALLEST_PT = 6.5  # a header or footer is made this small, if need be, to hold on one line
ROW_PAD_MM = 1.0
LABEL_SHARE = 0.36  # of the width, for the labels of rows
GAP_MM = 5.0  # between signature boxes
KEEP_WHOLE_ROW_MM = 40.0  # a taller row may start at the bottom of a page and go on overleaf
EPSILON = 1e-6


class _Pdf(FPDF):
    """An fpdf2 document with the shared fonts, a header and a footer on every page, and its own
    line breaking: words are measured once with the font's widths, and every line is printed
    with `cell`, so page breaks happen where the blocks decide."""

    def __init__(
        self, layout: PdfLayout, header: list[str] | None, footer: list[str] | None
    ) -> None:
        super().__init__(orientation="P", unit="mm", format=layout.page.size)
        self.margin = layout.page.margin_mm
        self.header_parts = header
        self.footer_parts = footer
        self.body_top = self.margin
        self.faces = _faces()
        for style, face in self.faces.items():
            self.fonts[f"{FAMILY}{style}"] = face.font_for(len(self.fonts) + 1)
        self._widths: dict[tuple[str, float, str], float] = {}
        footer_room = SMALL.line_mm + 3 if footer else 0
        self.set_margins(self.margin, self.margin, self.margin)
        self.set_auto_page_break(True, margin=self.margin + footer_room)
        self.alias_nb_pages(_PAGES_ALIAS)

    # -- text

    def use(self, style: _Style, size_pt: float | None = None) -> None:
        self.set_font(FAMILY, "B" if style.bold else "", size_pt or style.size_pt)
        self.set_text_color(*style.color)

    def width_of(self, text: str) -> float:
        """Width in mm of `text` in the current font, as `cell` will print it."""
        font = self.current_font
        assert isinstance(font, TTFFont)
        key = (font.fontkey, self.font_size_pt, text)
        width = self._widths.get(key)
        if width is None:
            width = font.get_text_width(text, self.font_size_pt, None)[1] / self.k
            self._widths[key] = width
        return width

    def wrap(self, text: str, width: float) -> list[str]:
        """The lines of `text` in the current font within `width` mm (cell margins included):
        broken at spaces, and inside a word only when the word alone is too long."""
        room = width - 2 * self.c_margin + EPSILON
        space = self.width_of(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            words: list[str] = []
            used = 0.0
            for word in paragraph.split(" "):
                size = self.width_of(word)
                while size > room and len(word) > 1:
                    if words:
                        lines.append(" ".join(words))
                        words, used = [], 0.0
                    cut = self._longest_prefix(word, room)
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = self.width_of(word)
                if words and used + space + size <= room:
                    words.append(word)
                    used += space + size
                else:
                    if words:
                        lines.append(" ".join(words))
                    words, used = [word], size
            lines.append(" ".join(words))
        return lines

    def _longest_prefix(self, word: str, room: float) -> int:
        used = 0.0
        for index, character in enumerate(word):
            used += self.width_of(character)
            if used > room:
                return max(index, 1)
        return len(word)

    def print_lines(self, lines: list[str], style: _Style, *, align: str = "L") -> None:
        """Lines across the width from the current position, overleaf when the page is full."""
        self.use(style)
        for line in lines:
            if self.y + style.line_mm > self.page_break_trigger + EPSILON:
                self.add_page()
                self.use(style)
            self.set_x(self.l_margin)
            self.cell(self.epw, style.line_mm, line, align=align)
            self.set_xy(self.l_margin, self.y + style.line_mm)

    # -- pages

    def ensure(self, height: float) -> None:
        """A new page unless `height` fits on this one (never a new page for an empty one)."""
        if self.y + height > self.page_break_trigger + EPSILON and not self.at_top():
            self.add_page()

    def space(self, height: float) -> None:
        """Vertical space, dropped at the top of a page."""
        if not self.at_top():
            self.set_y(min(self.y + height, self.page_break_trigger))

    def at_top(self) -> bool:
        return self.y <= self.body_top + EPSILON

    def _page_text(self, parts: list[str]) -> str:
        page = str(self.page_no())
        return "".join(
            page if part == _PAGE_MARK else _PAGES_ALIAS if part == _PAGES_MARK else part
            for part in parts
        )

    def _fit_small(self, text: str) -> None:
        size = SMALL.size_pt
        self.use(SMALL)
        while size > SMALLEST_PT and self.width_of(text) > self.epw - 2 * self.c_margin:
            size -= 0.5
            self.use(SMALL, size)

    def header(self) -> None:
        self.set_xy(self.l_margin, self.margin)
        if self.header_parts:
            text = self._page_text(self.header_parts)
            self._fit_small(text)
            for line in self.wrap(text, self.epw):
                self.cell(self.epw, SMALL.line_mm, line, align="C")
                self.set_xy(self.l_margin, self.y + SMALL.line_mm)
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, self.y + 1, self.w - self.r_margin, self.y + 1)
            self.set_y(self.y + 5)
        self.body_top = self.y

    def footer(self) -> None:
        if self.footer_parts:
            text = self._page_text(self.footer_parts)
            self._fit_small(text)
            self.set_xy(self.l_margin, self.h - self.margin - SMALL.line_mm)
            self.cell(self.epw, SMALL.line_mm, text, align="C")

    def finish(self) -> bytes:
        return bytes(self.output(output_producer_class=_Producer))

    def choose_font_sources(self) -> None:
        for style, face in self.faces.items():
            font = self.fonts[f"{FAMILY}{style}"]
            assert isinstance(font, TTFFont)
            face.choose_source(font)


class _Producer(OutputProducer):
    """fpdf2 makes its producer once everything is drawn (the last page's footer and the page
    count included) and before the fonts are embedded: when the glyphs used are all known."""

    def __init__(self, fpdf: FPDF) -> None:
        super().__init__(fpdf)
        if isinstance(fpdf, _Pdf):
            fpdf.choose_font_sources()


class _Renderer:
    def __init__(
        self,
        compiled: CompiledWorkflow,
        layout_id: str,
        layout: PdfLayout,
        snapshot: RequestSnapshot,
    ) -> None:
        self.compiled = compiled
        self.layout_id = layout_id
        self.layout = layout
        self.locale = snapshot.locale or compiled.spec.locale
        self.context = _clean_data(compiled.template_context(snapshot))
        self.conditions = compiled.condition_context(snapshot)

    # -- texts and conditions

    def render(self, text: Text, where: str, *, multiline: bool = False) -> str:
        source = self.compiled.text(text, self.locale)
        try:
            rendered = self.compiled.render_string(source, self.context)
        except TemplateError as error:
            raise DocumentError(f"layout '{self.layout_id}', {where}: {error}") from error
        return clean_text(rendered, multiline=multiline)

    def render_with_pages(self, text: Text, where: str) -> list[str]:
        """A header or footer cut into text and page-number markers."""
        source = self.compiled.text(text, self.locale)
        source = source.replace("{pages}", _PAGES_MARK).replace("{page}", _PAGE_MARK)
        try:
            rendered = self.compiled.render_string(source, self.context)
        except TemplateError as error:
            raise DocumentError(f"layout '{self.layout_id}', {where}: {error}") from error
        # Cleaned piece by piece, so that the markers stay and the spaces around them too.
        parts = [
            part if part in (_PAGE_MARK, _PAGES_MARK) else _SPACES.sub(" ", _printable(part))
            for part in _MARKS.split(rendered)
        ]
        parts[0], parts[-1] = parts[0].lstrip(), parts[-1].rstrip()
        return parts

    def holds(self, condition: str | None, where: str) -> bool:
        if condition is None:
            return True
        try:
            expression = _expression(condition)
        except ExpressionError as error:
            raise DocumentError(f"layout '{self.layout_id}', {where}: {error}") from error
        return expression.is_true(self.conditions)

    # -- the document

    def document(self, created_at: datetime | None) -> bytes:
        layout = self.layout
        header = self.render_with_pages(layout.header, "header") if layout.header else None
        footer = self.render_with_pages(layout.footer, "footer") if layout.footer else None
        pdf = _Pdf(layout, header, footer)
        pdf.set_title(self.render(layout.title, "title"))
        pdf.set_author(self.render(layout.author, "author"))
        pdf.set_lang(self.locale)
        moment = created_at or datetime.now(UTC)
        pdf.set_creation_date(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        pdf.add_page()
        blocks = [
            (i, block)
            for i, block in enumerate(layout.blocks)
            if self.holds(block.when, f"block {i + 1} (when)")
        ]
        prepared = [self.prepare(i, block) for i, block in blocks]
        for position, item in enumerate(prepared):
            following = prepared[position + 1] if position + 1 < len(prepared) else None
            item.draw(pdf, following)
        return pdf.finish()

    def prepare(self, index: int, block: AnyBlock) -> _Block:
        where = f"block {index + 1}"
        if isinstance(block, HeadingBlock):
            text = self.render(block.text, where)
            return _Text(text, HEADING, before=5, after=2, heading=True)
        if isinstance(block, ParagraphBlock):
            text = self.render(block.text, where, multiline=True)
            return _Text(text, BODY, before=2, after=1, heading=False)
        if isinstance(block, RowsBlock):
            title = self.render(block.title, f"{where} title") if block.title else None
            rows = [
                (
                    self.render(row.label, f"{where} row {j + 1} label"),
                    self.render(row.value, f"{where} row {j + 1} value", multiline=True),
                )
                for j, row in enumerate(block.rows)
                if self.holds(row.when, f"{where} row {j + 1} (when)")
            ]
            return _Rows(title, rows)
        if isinstance(block, SignaturesBlock):
            title = self.render(block.title, f"{where} title") if block.title else None
            labels = [
                self.render(box.label, f"{where} box {j + 1}") for j, box in enumerate(block.boxes)
            ]
            return _Signatures(title, labels, block.height_mm)
        assert isinstance(block, SpacerBlock)
        return _Spacer(block.height_mm)


# -- blocks, measured then drawn ---------------------------------------------------------------


class _Block:
    def lead(self, pdf: _Pdf) -> float:
        """The height that must fit at the bottom of a page for the block to start there."""
        return 0.0

    def draw(self, pdf: _Pdf, following: _Block | None) -> None:
        raise NotImplementedError


class _Text(_Block):
    """A heading or a paragraph: lines across the page. A heading is kept whole and with the
    beginning of what follows; a paragraph starts with two lines at least on a page."""

    def __init__(
        self, text: str, style: _Style, *, before: float, after: float, heading: bool
    ) -> None:
        self.text = text
        self.style = style
        self.before = before
        self.after = after
        self.heading = heading
        self._lines: list[str] | None = None

    def lines(self, pdf: _Pdf) -> list[str]:
        if self._lines is None:
            pdf.use(self.style)
            self._lines = pdf.wrap(self.text, pdf.epw)
        return self._lines

    def lead(self, pdf: _Pdf) -> float:
        if not self.text:
            return 0.0
        count = len(self.lines(pdf)) if self.heading else min(2, len(self.lines(pdf)))
        return count * self.style.line_mm + self.after

    def draw(self, pdf: _Pdf, following: _Block | None) -> None:
        if not self.text:
            return
        pdf.space(self.before)
        needed = self.lead(pdf)
        if self.heading and following is not None:
            needed += following.lead(pdf)  # never alone at the bottom of a page
        pdf.ensure(needed)
        pdf.print_lines(self.lines(pdf), self.style)
        pdf.set_y(pdf.y + self.after)


class _Rows(_Block):
    """Label and value side by side, a rule under each row; long values wrap, and a very long
    one goes on overleaf."""

    def __init__(self, title: str | None, rows: list[tuple[str, str]]) -> None:
        self.title = _Text(title, TITLE, before=0, after=1, heading=True) if title else None
        self.rows = rows
        self._measured: list[tuple[list[str], list[str]]] | None = None

    def _columns(self, pdf: _Pdf) -> tuple[float, float]:
        label = round(pdf.epw * LABEL_SHARE, 2)
        return label, pdf.epw - label

    def _measure(self, pdf: _Pdf) -> list[tuple[list[str], list[str]]]:
        if self._measured is None:
            label_w, value_w = self._columns(pdf)
            measured = []
            for label, value in self.rows:
                pdf.use(LABEL)
                label_lines = pdf.wrap(label, label_w)
                pdf.use(BODY)
                measured.append((label_lines, pdf.wrap(value, value_w)))
            self._measured = measured
        return self._measured

    def lead(self, pdf: _Pdf) -> float:
        measured = self._measure(pdf)
        if not measured:
            return 0.0
        first = max(len(measured[0][0]), len(measured[0][1]))
        title = self.title.lead(pdf) if self.title else 0.0
        return title + min(first, 3) * BODY.line_mm + 2 * ROW_PAD_MM

    def draw(self, pdf: _Pdf, following: _Block | None) -> None:
        measured = self._measure(pdf)
        if not measured:
            return
        pdf.space(4 if self.title else 1)
        pdf.ensure(self.lead(pdf))
        if self.title:
            self.title.draw(pdf, None)
        label_w, value_w = self._columns(pdf)
        self._rule(pdf)
        for label_lines, value_lines in measured:
            count = max(len(label_lines), len(value_lines))
            height = count * BODY.line_mm + 2 * ROW_PAD_MM
            pdf.ensure(height if height <= KEEP_WHOLE_ROW_MM else 3 * BODY.line_mm + ROW_PAD_MM)
            pdf.set_y(pdf.y + ROW_PAD_MM)
            for n in range(count):
                if pdf.y + BODY.line_mm > pdf.page_break_trigger + EPSILON:
                    pdf.add_page()  # the rest of a long value, overleaf under a rule
                    self._rule(pdf)
                y = pdf.y
                if n < len(label_lines):
                    pdf.use(LABEL)
                    pdf.set_xy(pdf.l_margin, y)
                    pdf.cell(label_w, LABEL.line_mm, label_lines[n])
                if n < len(value_lines):
                    pdf.use(BODY)
                    pdf.set_xy(pdf.l_margin + label_w, y)
                    pdf.cell(value_w, BODY.line_mm, value_lines[n])
                pdf.set_xy(pdf.l_margin, y + BODY.line_mm)
            pdf.set_y(pdf.y + ROW_PAD_MM)
            self._rule(pdf)

    @staticmethod
    def _rule(pdf: _Pdf) -> None:
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, pdf.y, pdf.w - pdf.r_margin, pdf.y)


class _Signatures(_Block):
    """Empty boxes side by side, each with its label in its top left corner; kept together."""

    def __init__(self, title: str | None, labels: list[str], height: float) -> None:
        self.title = _Text(title, TITLE, before=0, after=2, heading=True) if title else None
        self.labels = labels
        self.height = height

    def lead(self, pdf: _Pdf) -> float:
        return (self.title.lead(pdf) if self.title else 0) + self.height + 2

    def draw(self, pdf: _Pdf, following: _Block | None) -> None:
        pdf.space(4)
        pdf.ensure(self.lead(pdf))
        if self.title:
            self.title.draw(pdf, None)
        count = len(self.labels)
        width = (pdf.epw - GAP_MM * (count - 1)) / count
        top = pdf.y
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.3)
        for n, label in enumerate(self.labels):
            x = pdf.l_margin + n * (width + GAP_MM)
            pdf.rect(x, top, width, self.height)
            pdf.use(BOX_LABEL)
            for i, line in enumerate(pdf.wrap(label, width - 1)):
                pdf.set_xy(x + 0.5, top + 1 + i * BOX_LABEL.line_mm)
                pdf.cell(width - 1, BOX_LABEL.line_mm, line)
        pdf.set_xy(pdf.l_margin, top + self.height + 2)


class _Spacer(_Block):
    def __init__(self, height: float) -> None:
        self.height = height

    def draw(self, pdf: _Pdf, following: _Block | None) -> None:
        pdf.space(self.height)


# -- entry point -------------------------------------------------------------------------------


def render_document(
    compiled: CompiledWorkflow,
    layout_id: str,
    snapshot: RequestSnapshot,
    *,
    created_at: datetime | None = None,
) -> bytes:
    """The PDF of layout `layout_id` for the request in `snapshot`, in the snapshot's locale.

    Blocks and rows whose `when` does not hold are left out. `created_at` is the document's
    creation date (now if None; a naive datetime is taken as UTC): with the same snapshot and
    the same `created_at`, the bytes are the same. Raises UnknownLayout, or DocumentError when a
    text of the layout cannot be rendered. Safe to call from several threads at once."""
    layout = compiled.layouts.get(layout_id)
    if layout is None:
        raise UnknownLayout(layout_id, list(compiled.layouts))
    return _Renderer(compiled, layout_id, layout, snapshot).document(created_at)
