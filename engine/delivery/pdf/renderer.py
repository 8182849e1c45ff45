"""A layout rendered for one request: its texts filled as mail templates are, its conditions
decided, its blocks laid out on pages.

Rendering is deterministic: the same layout, snapshot and `created_at` give the same bytes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError

from ...compiled import CompiledWorkflow
from ...expr import Expression, ExpressionError, parse
from ...process.firing import RequestSnapshot
from ...spec.layout import (
    AnyBlock,
    HeadingBlock,
    ParagraphBlock,
    PdfLayout,
    RowsBlock,
    SignaturesBlock,
    SpacerBlock,
    TableBlock,
)
from ...spec_types import Text
from .blocks import PageBlock, PageRows, PageSignatures, PageSpacer, PageTable, PageText
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
        locale: str,
        context: Mapping[str, Any],
        conditions: Mapping[str, Any],
    ) -> None:
        self.compiled = compiled
        self.layout_id = layout_id
        self.layout = layout
        self.locale = locale
        self.context = clean_data(context)
        self.conditions = conditions

    # -- texts and conditions

    def render(
        self,
        text: Text,
        where: str,
        *,
        multiline: bool = False,
        local: Mapping[str, Any] | None = None,
    ) -> str:
        source = self.compiled.text(text, self.locale)
        context = {**self.context, **local} if local else self.context
        try:
            rendered = self.compiled.render_string(source, context)
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
        if isinstance(block, TableBlock):
            return self.table(block, where)
        assert isinstance(block, SpacerBlock)
        return PageSpacer(block.height_mm)

    def items(self, path: str, where: str) -> list[Any]:
        """The list a table names (`participants`, `attendance.half_days`)."""
        found: Any = self.context
        for part in path.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        if not isinstance(found, list | tuple):
            raise DocumentError(f"layout '{self.layout_id}', {where}: no list '{path}' here")
        return list(found)

    def table(self, block: TableBlock, where: str) -> PageTable:
        title = self.render(block.title, f"{where} title") if block.title else None
        headers = [
            self.render(c.header, f"{where} column {j + 1} header")
            for j, c in enumerate(block.columns)
        ]
        cells = [
            [
                self.render(c.value, f"{where} column {j + 1} value", local={"row": item})
                for j, c in enumerate(block.columns)
            ]
            for item in self.items(block.rows, f"{where} rows")
        ]
        signing = block.signature_columns
        signature_headers = (
            [
                self.render(signing.header, f"{where} signature columns", local={"column": item})
                for item in self.items(signing.each, f"{where} signature columns")
            ]
            if signing is not None
            else []
        )
        empty = self.render(block.empty, f"{where} empty") if block.empty else None
        return PageTable(title, headers, cells, signature_headers, block.row_height_mm, empty)


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
    return _Renderer(
        compiled,
        layout_id,
        layout,
        snapshot.locale or compiled.spec.locale,
        compiled.template_context(snapshot),
        compiled.condition_context(snapshot),
    ).document(created_at)


def render_context_document(
    compiled: CompiledWorkflow,
    layout_id: str,
    context: Mapping[str, Any],
    *,
    locale: str | None = None,
    created_at: datetime | None = None,
) -> bytes:
    """The PDF of a layout filled with `context` rather than a request's: a training session's
    document (its session, half-days and participants). Its conditions read the same names."""
    layout = compiled.layouts.get(layout_id)
    if layout is None:
        raise UnknownLayout(layout_id, list(compiled.layouts))
    return _Renderer(
        compiled, layout_id, layout, locale or compiled.spec.locale, context, context
    ).document(created_at)
