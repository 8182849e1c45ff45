"""The blocks of a layout as they go on pages: each is measured, then drawn. A block knows how
much of it must fit at the bottom of a page for it to start there, so headings stay with what
follows, a paragraph starts with two lines at least and a row up to 40 mm stays whole."""

from __future__ import annotations

from .document import PdfDocument
from .styles import (
    BODY,
    BOX_LABEL,
    EPSILON,
    GAP_MM,
    KEEP_WHOLE_ROW_MM,
    LABEL,
    LABEL_SHARE,
    MUTED,
    ROW_PAD_MM,
    RULE,
    TITLE,
    Style,
)


class PageBlock:
    def lead(self, pdf: PdfDocument) -> float:
        """The height that must fit at the bottom of a page for the block to start there."""
        return 0.0

    def draw(self, pdf: PdfDocument, following: PageBlock | None) -> None:
        raise NotImplementedError


class PageText(PageBlock):
    """A heading or a paragraph: lines across the page. A heading is kept whole and with the
    beginning of what follows; a paragraph starts with two lines at least on a page."""

    def __init__(
        self, text: str, style: Style, *, before: float, after: float, heading: bool
    ) -> None:
        self.text = text
        self.style = style
        self.before = before
        self.after = after
        self.heading = heading
        self._lines: list[str] | None = None

    def lines(self, pdf: PdfDocument) -> list[str]:
        if self._lines is None:
            pdf.use(self.style)
            self._lines = pdf.wrap(self.text, pdf.epw)
        return self._lines

    def lead(self, pdf: PdfDocument) -> float:
        if not self.text:
            return 0.0
        count = len(self.lines(pdf)) if self.heading else min(2, len(self.lines(pdf)))
        return count * self.style.line_mm + self.after

    def draw(self, pdf: PdfDocument, following: PageBlock | None) -> None:
        if not self.text:
            return
        pdf.space(self.before)
        needed = self.lead(pdf)
        if self.heading and following is not None:
            needed += following.lead(pdf)  # never alone at the bottom of a page
        pdf.ensure(needed)
        pdf.print_lines(self.lines(pdf), self.style)
        pdf.set_y(pdf.y + self.after)


class PageRows(PageBlock):
    """Label and value side by side, a rule under each row; long values wrap, and a very long
    one goes on overleaf."""

    def __init__(self, title: str | None, rows: list[tuple[str, str]]) -> None:
        self.title = PageText(title, TITLE, before=0, after=1, heading=True) if title else None
        self.rows = rows
        self._measured: list[tuple[list[str], list[str]]] | None = None

    def _columns(self, pdf: PdfDocument) -> tuple[float, float]:
        label = round(pdf.epw * LABEL_SHARE, 2)
        return label, pdf.epw - label

    def _measure(self, pdf: PdfDocument) -> list[tuple[list[str], list[str]]]:
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

    def lead(self, pdf: PdfDocument) -> float:
        measured = self._measure(pdf)
        if not measured:
            return 0.0
        first = max(len(measured[0][0]), len(measured[0][1]))
        title = self.title.lead(pdf) if self.title else 0.0
        return title + min(first, 3) * BODY.line_mm + 2 * ROW_PAD_MM

    def draw(self, pdf: PdfDocument, following: PageBlock | None) -> None:
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
    def _rule(pdf: PdfDocument) -> None:
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, pdf.y, pdf.w - pdf.r_margin, pdf.y)


class PageSignatures(PageBlock):
    """Empty boxes side by side, each with its label in its top left corner; kept together."""

    def __init__(self, title: str | None, labels: list[str], height: float) -> None:
        self.title = PageText(title, TITLE, before=0, after=2, heading=True) if title else None
        self.labels = labels
        self.height = height

    def lead(self, pdf: PdfDocument) -> float:
        return (self.title.lead(pdf) if self.title else 0) + self.height + 2

    def draw(self, pdf: PdfDocument, following: PageBlock | None) -> None:
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


class PageSpacer(PageBlock):
    def __init__(self, height: float) -> None:
        self.height = height

    def draw(self, pdf: PdfDocument, following: PageBlock | None) -> None:
        pdf.space(self.height)
