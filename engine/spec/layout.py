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


class SpacerBlock(Block):
    type: Literal["spacer"]
    height_mm: float = Field(default=5, gt=0, le=100)


AnyBlock = Annotated[
    HeadingBlock | ParagraphBlock | RowsBlock | SignaturesBlock | SpacerBlock,
    Field(discriminator="type"),
]


class PageSetup(SpecModel):
    size: Literal["A4", "Letter"] = "A4"
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
