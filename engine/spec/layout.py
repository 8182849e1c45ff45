"""PDF layouts (`pdf_layouts/*.yaml`): the blocks of a generated document, top to bottom.

Texts are templates filled with the same variables as mails; `when` takes a condition."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..spec_types import SpecModel, Text
from .fields import Expression


class Block(SpecModel):
    when: Expression | None = None


class HeadingBlock(Block):
    type: Literal["heading"]
    text: Text


class ParagraphBlock(Block):
    type: Literal["paragraph"]
    text: Text


class Row(SpecModel):
    label: Text
    value: Text
    when: Expression | None = None


class RowsBlock(Block):
    """A two-column table: one label and one value per row."""

    type: Literal["rows"]
    title: Text | None = None
    rows: tuple[Row, ...] = Field(min_length=1)


class SignatureBox(SpecModel):
    label: Text


class SignaturesBlock(Block):
    """Empty boxes to be filled by hand: date, stamp, signature."""

    type: Literal["signatures"]
    title: Text | None = None
    boxes: tuple[SignatureBox, ...] = Field(min_length=1)
    height_mm: float = Field(default=30, gt=5, le=120)


class TableColumn(SpecModel):
    header: Text
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
    title: Text | None = None
    rows: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")] = Field(
        description="the list whose items are the rows"
    )
    columns: tuple[TableColumn, ...] = Field(min_length=1)
    signature_columns: SignatureColumns | None = None
    row_height_mm: float = Field(
        default=8, ge=5, le=60, description="the height of a row (signatures need room)"
    )
    empty: Text | None = Field(None, description="printed instead when the list is empty")


class SpacerBlock(Block):
    type: Literal["spacer"]
    height_mm: float = Field(default=5, gt=0, le=100)


AnyBlock = Annotated[
    HeadingBlock | ParagraphBlock | RowsBlock | TableBlock | SignaturesBlock | SpacerBlock,
    Field(discriminator="type"),
]


class PageSetup(SpecModel):
    size: Literal["A4", "Letter"] = "A4"
    orientation: Literal["portrait", "landscape"] = "portrait"
    margin_mm: float = Field(default=15, ge=5, le=50)


class PdfLayout(SpecModel):
    title: Text
    author: Text
    page: PageSetup = PageSetup()
    header: Text | None = Field(default=None, description="printed at the top of every page")
    footer: Text | None = Field(
        default=None,
        description="printed at the bottom of every page; {page} and {pages} are page numbers",
    )
    blocks: tuple[AnyBlock, ...] = Field(min_length=1)
