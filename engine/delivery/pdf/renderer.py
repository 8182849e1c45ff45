"""A layout rendered for one request: its texts filled as mail templates are, its conditions
decided, its blocks laid out on pages.

Rendering is deterministic: the same layout, snapshot and `created_at` give the same bytes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from jinja2 import TemplateError

from ...compiled import CompiledWorkflow
from ...expr import Expression, ExpressionError, parse
from ...process.firing import RequestSnapshot
from ...spec.common import Text
from ...spec.layout import (
    AnyBlock,
    HeadingBlock,
    ParagraphBlock,
    PdfLayout,
    RowsBlock,
    SignaturesBlock,
    SpacerBlock,
)
from .blocks import PageBlock, PageRows, PageSignatures, PageSpacer, PageText
from .document import PdfDocument
from .styles import BODY, HEADING
from .text import PAGE_MARK, PAGES_MARK, clean_data, clean_text, page_parts


class DocumentError(Exception):
    """A document cannot be rendered; the message says which layout and which text."""


class UnknownLayout(DocumentError):
    def __init__(self, layout_id: str, known: Sequence[str]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown PDF layout '{layout_id}' (known layouts: {listed})")
        self.layout_id = layout_id
        self.known = tuple(sorted(known))


@lru_cache(maxsize=1024)
def _expression(source: str) -> Expression:
    return parse(source)


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
        self.context = clean_data(compiled.template_context(snapshot))
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
        source = source.replace("{pages}", PAGES_MARK).replace("{page}", PAGE_MARK)
        try:
            rendered = self.compiled.render_string(source, self.context)
        except TemplateError as error:
            raise DocumentError(f"layout '{self.layout_id}', {where}: {error}") from error
        return page_parts(rendered)

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
        pdf = PdfDocument(layout, header, footer)
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

    def prepare(self, index: int, block: AnyBlock) -> PageBlock:
        where = f"block {index + 1}"
        if isinstance(block, HeadingBlock):
            text = self.render(block.text, where)
            return PageText(text, HEADING, before=5, after=2, heading=True)
        if isinstance(block, ParagraphBlock):
            text = self.render(block.text, where, multiline=True)
            return PageText(text, BODY, before=2, after=1, heading=False)
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
            return PageRows(title, rows)
        if isinstance(block, SignaturesBlock):
            title = self.render(block.title, f"{where} title") if block.title else None
            labels = [
                self.render(box.label, f"{where} box {j + 1}") for j, box in enumerate(block.boxes)
            ]
            return PageSignatures(title, labels, block.height_mm)
        assert isinstance(block, SpacerBlock)
        return PageSpacer(block.height_mm)


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
