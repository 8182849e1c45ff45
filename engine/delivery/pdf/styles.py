"""The look of every PDF: type styles, colours and spacing, in millimetres and points."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool
    size_pt: float
    line_mm: float
    color: tuple[int, int, int]


INK = (25, 25, 25)
MUTED = (90, 90, 90)
RULE = (190, 190, 190)
BODY = Style(False, 10, 5.0, INK)
LABEL = Style(False, 9, 5.0, MUTED)  # the line height of BODY: labels sit beside values
HEADING = Style(True, 13, 7.0, INK)
TITLE = Style(True, 11, 6.0, INK)
SMALL = Style(False, 8, 3.8, MUTED)
BOX_LABEL = Style(False, 9, 4.2, MUTED)
TABLE_HEAD = Style(True, 8.5, 4.2, INK)
SMALLEST_PT = 6.5  # a header or footer is made this small, if need be, to hold on one line
ROW_PAD_MM = 1.0
LABEL_SHARE = 0.36  # of the width, for the labels of rows
GAP_MM = 5.0  # between signature boxes
KEEP_WHOLE_ROW_MM = 40.0  # a taller row may start at the bottom of a page and go on overleaf
EPSILON = 1e-6
TABLE_DATA_SHARE = 0.45  # of the width at most, for a table's filled columns beside columns to sign
TABLE_CELL_MAX_MM = 70.0  # the widest a filled column of a table grows before its texts wrap
