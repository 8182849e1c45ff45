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
    TABLE_CELL_MAX_MM,
    TABLE_DATA_SHARE,
    TABLE_HEAD,
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


class PageTable(PageBlock):
    """A table with a header row and borders: the columns filled from the list's items take the
    room their texts need (up to half the width when there are columns to sign), the columns to
    sign share the rest. A row is never cut; the header is repeated on every page."""

    def __init__(
        self,
        title: str | None,
        headers: list[str],
        cells: list[list[str]],
        signature_headers: list[str],
        row_height: float,
        empty: str | None,
    ) -> None:
        self.title = PageText(title, TITLE, before=0, after=1, heading=True) if title else None
        self.headers = headers
        self.cells = cells
        self.signature_headers = signature_headers
        self.row_height = row_height
        self.empty = PageText(empty, BODY, before=1, after=1, heading=False) if empty else None
        self._widths: list[float] | None = None

    def _column_widths(self, pdf: PdfDocument) -> list[float]:
        if self._widths is not None:
            return self._widths
        padding = 2 * pdf.c_margin + 0.5
        natural = []
        for n, header in enumerate(self.headers):
            pdf.use(TABLE_HEAD)
            widest = max((pdf.width_of(word) for word in header.split(" ")), default=0.0)
            pdf.use(BODY)
            for row in self.cells:
                widest = max(widest, pdf.width_of(row[n]))
            natural.append(min(widest + padding, TABLE_CELL_MAX_MM))
        signing = len(self.signature_headers)
        room = pdf.epw * (TABLE_DATA_SHARE if signing else 1.0)
        total = sum(natural) or 1.0
        if signing:
            data = [w * min(1.0, room / total) for w in natural]
            rest = (pdf.epw - sum(data)) / signing
            self._widths = data + [rest] * signing
        else:
            self._widths = [w * room / total for w in natural]
        return self._widths

    def _head_lines(self, pdf: PdfDocument) -> list[list[str]]:
        pdf.use(TABLE_HEAD)
        widths = self._column_widths(pdf)
        return [
            pdf.wrap(text, width)
            for text, width in zip(self.headers + self.signature_headers, widths, strict=True)
        ]

    def _head_height(self, pdf: PdfDocument) -> float:
        lines = max((len(c) for c in self._head_lines(pdf)), default=1)
        return lines * TABLE_HEAD.line_mm + 2 * ROW_PAD_MM

    def _row_lines(self, pdf: PdfDocument, row: list[str]) -> list[list[str]]:
        pdf.use(BODY)
        widths = self._column_widths(pdf)
        return [pdf.wrap(text, width) for text, width in zip(row, widths, strict=False)]

    def _row_height(self, lines: list[list[str]]) -> float:
        count = max((len(c) for c in lines), default=1)
        return max(self.row_height, count * BODY.line_mm + 2 * ROW_PAD_MM)

    def lead(self, pdf: PdfDocument) -> float:
        title = self.title.lead(pdf) if self.title else 0.0
        if not self.cells:
            return title + (self.empty.lead(pdf) if self.empty else 0.0)
        first = self._row_height(self._row_lines(pdf, self.cells[0]))
        return title + self._head_height(pdf) + first

    def draw(self, pdf: PdfDocument, following: PageBlock | None) -> None:
        pdf.space(4 if self.title else 1)
        pdf.ensure(self.lead(pdf))
        if self.title:
            self.title.draw(pdf, None)
        if not self.cells:
            if self.empty:
                self.empty.draw(pdf, following)
            return
        self._head(pdf)
        for row in self.cells:
            lines = self._row_lines(pdf, row)
            height = self._row_height(lines)
            if pdf.y + height > pdf.page_break_trigger + EPSILON:
                pdf.add_page()
                self._head(pdf)
            self._cells(pdf, lines, height, BODY)
        pdf.set_y(pdf.y + 1)

    def _head(self, pdf: PdfDocument) -> None:
        self._cells(pdf, self._head_lines(pdf), self._head_height(pdf), TABLE_HEAD)

    def _cells(self, pdf: PdfDocument, lines: list[list[str]], height: float, style: Style) -> None:
        top = pdf.y
        x = pdf.l_margin
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.2)
        for n, width in enumerate(self._column_widths(pdf)):
            pdf.rect(x, top, width, height)
            pdf.use(style)
            for i, line in enumerate(lines[n] if n < len(lines) else []):
                pdf.set_xy(x, top + ROW_PAD_MM + i * style.line_mm)
                pdf.cell(width, style.line_mm, line)
            x += width
        pdf.set_xy(pdf.l_margin, top + height)
