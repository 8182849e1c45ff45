"""PDF documents (`pdf_layouts/*.yaml`) rendered for one request with fpdf2.

The texts of a layout are templates filled with the same variables as mails, then printed with
DejaVu Sans, packaged with the code, so that every character of French (and of most Latin
scripts) prints. What applicants typed is only ever text: fpdf2 escapes it inside the PDF's
strings, and control characters are removed before anything is laid out.

- `fonts`: the font cache, each font parsed once per process;
- `renderer`: a layout for one request (texts, conditions), `render_document`;
- `blocks`: the layout's blocks measured, then drawn on pages;
- `document`: the fpdf2 document (pages, header, footer, line breaking);
- `styles`, `text`: the look of documents; text hygiene and page-number markers.
"""

from .fonts import FONT_DIR, preload_fonts
from .renderer import DocumentError, UnknownLayout, render_context_document, render_document
from .text import clean_text

__all__ = [
    "FONT_DIR",
    "DocumentError",
    "UnknownLayout",
    "clean_text",
    "preload_fonts",
    "render_context_document",
    "render_document",
]
