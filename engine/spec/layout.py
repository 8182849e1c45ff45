"""PDF layouts (`pdf_layouts/*.yaml`): the blocks of a generated document, top to bottom.

Texts are templates filled with the same variables as mails; `when` takes a condition."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..spec_types import SpecModel, Text
from .fields import Expression


class Block(SpecModel):
    when: Expression | None = Field(
        None, description="a condition: the block is printed only when it holds"
    )


class HeadingBlock(Block):
    type: Literal["heading"]
    text: Text = Field(description="the heading: a template")


class ParagraphBlock(Block):
    type: Literal["paragraph"]
    text: Text = Field(description="the paragraph: a template, with Markdown emphasis")


class Row(SpecModel):
    label: Text = Field(description="the row's label")
    value: Text = Field(description="the row's value: a template")
    when: Expression | None = Field(
        None, description="a condition: the row is printed only when it holds"
    )


class RowsBlock(Block):
    """A two-column table: one label and one value per row."""

    type: Literal["rows"]
    title: Text | None = Field(None, description="a heading above the rows")
    rows: tuple[Row, ...] = Field(min_length=1, description="the rows, in order")


class SignatureBox(SpecModel):
    label: Text = Field(description="who signs in the box")


class SignaturesBlock(Block):
    """Empty boxes to be filled by hand: date, stamp, signature."""

    type: Literal["signatures"]
    title: Text | None = Field(None, description="a heading above the boxes")
    boxes: tuple[SignatureBox, ...] = Field(min_length=1, description="the boxes, side by side")
    height_mm: float = Field(
        default=30, gt=5, le=120, description="the boxes' height, in millimetres"
    )


class TableColumn(SpecModel):
    header: Text = Field(description="the column's header")
    value: Text = Field(description="a template; `row.<name>` reads the row's item")


class SignatureColumns(SpecModel):
    """Empty columns to be signed by hand, one per item of a list of the document's context."""

    each: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")] = Field(
        description="the list (a name of the document's context, such as `half_days`)"
    )
    header: Text = Field(description="a template; `column.<name>` reads the column's item")


class TableBlock(Block):
    """A table with one row per item of a list of the document's context (`rows: participants`
    in a session's document, `rows: attendance.half_days` in a request's): columns filled from
    the row's item, then, optionally, empty columns to be signed, one per item of another
    list. Rows go on overleaf under the header repeated."""

    type: Literal["table"]
    title: Text | None = Field(None, description="a heading above the table")
    rows: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")] = Field(
        description="the list whose items are the rows"
    )
    columns: tuple[TableColumn, ...] = Field(min_length=1, description="the columns, in order")
    signature_columns: SignatureColumns | None = Field(
        None, description="one more column per item of a list, left blank for signatures"
    )
    row_height_mm: float = Field(
        default=8, ge=5, le=60, description="the height of a row (signatures need room)"
    )
    empty: Text | None = Field(None, description="printed instead when the list is empty")


class SpacerBlock(Block):
    type: Literal["spacer"]
    height_mm: float = Field(
        default=5, gt=0, le=100, description="the blank space's height, in millimetres"
    )


AnyBlock = Annotated[
    HeadingBlock | ParagraphBlock | RowsBlock | TableBlock | SignaturesBlock | SpacerBlock,
    Field(discriminator="type"),
]


class PageSetup(SpecModel):
    size: Literal["A4", "Letter"] = Field("A4", description="the paper size")
    orientation: Literal["portrait", "landscape"] = Field(
        "portrait", description="portrait or landscape"
    )
    margin_mm: float = Field(default=15, ge=5, le=50, description="the margins, in millimetres")


class PdfLayout(SpecModel):
    title: Text = Field(description="the PDF's title (its metadata): a template")
    author: Text = Field(description="the PDF's author (its metadata): a template")
    page: PageSetup = Field(PageSetup(), description="paper size, orientation and margins")
    header: Text | None = Field(default=None, description="printed at the top of every page")
    footer: Text | None = Field(
        default=None,
        description="printed at the bottom of every page; {page} and {pages} are page numbers",
    )
    blocks: tuple[AnyBlock, ...] = Field(
        min_length=1, description="what the document prints, in order"
    )
