"""The PDF document as fpdf2 draws it: pages with their header and footer, the shared fonts,
lines measured and broken here."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer

from ...spec.layout import PdfLayout
from .fonts import FAMILY, faces
from .styles import EPSILON, RULE, SMALL, SMALLEST_PT, Style
from .text import PAGE_MARK, PAGES_ALIAS, PAGES_MARK


class PdfDocument(FPDF):
    """An fpdf2 document with the shared fonts, a header and a footer on every page, and its own
    line breaking: words are measured once with the font's widths, and every line is printed
    with `cell`, so page breaks happen where the blocks decide."""

    def __init__(
        self, layout: PdfLayout, header: list[str] | None, footer: list[str] | None
    ) -> None:
        super().__init__(
            orientation="L" if layout.page.orientation == "landscape" else "P",
            unit="mm",
            format=layout.page.size,
        )
        self.margin = layout.page.margin_mm
        self.header_parts = header
        self.footer_parts = footer
        self.body_top = self.margin
        self.faces = faces()
        for style, face in self.faces.items():
            self.fonts[f"{FAMILY}{style}"] = face.font_for(len(self.fonts) + 1)
        self._widths: dict[tuple[str, float, str], float] = {}
        footer_room = SMALL.line_mm + 3 if footer else 0
        self.set_margins(self.margin, self.margin, self.margin)
        self.set_auto_page_break(True, margin=self.margin + footer_room)
        self.alias_nb_pages(PAGES_ALIAS)

    # -- text

    def use(self, style: Style, size_pt: float | None = None) -> None:
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

    def print_lines(self, lines: list[str], style: Style, *, align: str = "L") -> None:
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
            page if part == PAGE_MARK else PAGES_ALIAS if part == PAGES_MARK else part
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
        if isinstance(fpdf, PdfDocument):
            fpdf.choose_font_sources()
