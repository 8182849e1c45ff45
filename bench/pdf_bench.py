"""Benchmark of the PDF renderer against plain fpdf2 scripts writing the same page.

Renders `pdf_layouts/registration_form.yaml` for the sample request of
`workflows/onboarding.yaml` with `engine.delivery.pdf.render_document` (warm: after one untimed
render), beside two plain fpdf2 scripts written here that print the same texts (the layout's
templates rendered for the same request) in the same order, in the same run:

- plain TTF: a new `FPDF`, `add_font` of the same DejaVu Sans files (regular and bold), the
  blocks printed with `cell` / `multi_cell`, header and footer with fpdf2's page-count alias;
- plain Helvetica: the same script with fpdf2's built-in Helvetica (Windows-1252).

A fourth row renders a request whose names use letters outside the renderer's common glyphs
(Greek, Cyrillic, Vietnamese), for which the whole font is subset.

Every output is read back with pypdf: page count, and every character of the texts present in
the extracted text (nothing lost). `--profile` adds cProfile breakdowns of both TTF sides.

Run from the project root:  .venv/bin/python bench/pdf_bench.py [--quick] [--profile]
It prints tables and writes nothing to disk."""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import fontTools
import fpdf
from fpdf import FPDF
from pypdf import PdfReader

from engine.compiled import CompiledWorkflow, load_compiled
from engine.delivery.pdf import FONT_DIR, render_document
from engine.expr import parse
from engine.process.firing import RequestSnapshot
from engine.samples import sample_snapshot
from engine.spec.layout import (
    HeadingBlock,
    ParagraphBlock,
    RowsBlock,
    SignaturesBlock,
    SpacerBlock,
)

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "workflows" / "onboarding.yaml"
LAYOUT = "registration_form"
CREATED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)
AIM_MS_PER_PAGE = 50.0

# -- the texts of the page, as a plain script would be handed them ---------------------------


@dataclass(frozen=True)
class Page:
    """The layout's texts rendered for one request: blocks as (kind, payload) in order."""

    title: str
    author: str
    header: str
    footer: str  # rendered, with {page} and {pages} still in it
    blocks: list[tuple[str, Any]]

    def characters(self) -> Counter[str]:
        """Every printed character but spaces (and the page-number placeholders)."""
        texts = [self.header, self.footer.replace("{page}", "").replace("{pages}", "")]
        for kind, payload in self.blocks:
            if kind in ("heading", "paragraph"):
                texts.append(payload)
            elif kind == "rows":
                title, rows = payload
                texts += [title or ""] + [part for row in rows for part in row]
            elif kind == "signatures":
                title, labels, _ = payload
                texts += [title or "", *labels]
        return Counter("".join("".join(texts).split()))


def page_texts(compiled: CompiledWorkflow, snapshot: RequestSnapshot) -> Page:
    layout = compiled.layouts[LAYOUT]
    context = compiled.template_context(snapshot)
    conditions = compiled.condition_context(snapshot)

    def text(value: Any) -> str:
        return compiled.render_string(compiled.text(value), context).strip()

    def holds(when: str | None) -> bool:
        return when is None or parse(when).is_true(conditions)

    blocks: list[tuple[str, Any]] = []
    for block in layout.blocks:
        if not holds(block.when):
            continue
        if isinstance(block, HeadingBlock):
            blocks.append(("heading", text(block.text)))
        elif isinstance(block, ParagraphBlock):
            blocks.append(("paragraph", " ".join(text(block.text).split())))
        elif isinstance(block, RowsBlock):
            rows = [(text(r.label), text(r.value)) for r in block.rows if holds(r.when)]
            blocks.append(("rows", (text(block.title) if block.title else None, rows)))
        elif isinstance(block, SignaturesBlock):
            labels = [text(box.label) for box in block.boxes]
            title = text(block.title) if block.title else None
            blocks.append(("signatures", (title, labels, block.height_mm)))
        elif isinstance(block, SpacerBlock):
            blocks.append(("spacer", block.height_mm))
    return Page(
        title=text(layout.title),
        author=text(layout.author),
        header=text(layout.header) if layout.header else "",
        footer=text(layout.footer) if layout.footer else "",
        blocks=blocks,
    )


# -- the plain fpdf2 script -----------------------------------------------------------------


def plain_document(page: Page, *, ttf: bool) -> tuple[bytes, int]:
    """What one would write with fpdf2 alone: the same blocks, cell and multi_cell, auto page
    breaks. Returns the PDF and its page count."""
    family = "dejavu" if ttf else "helvetica"

    class Document(FPDF):
        def header(self) -> None:
            self.set_font(family, "", 7.5)
            self.set_text_color(90, 90, 90)
            self.cell(0, 4, page.header, align="C", new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, self.y + 1, self.w - self.r_margin, self.y + 1)
            self.ln(5)

        def footer(self) -> None:
            self.set_y(-19)
            self.set_font(family, "", 8)
            self.set_text_color(90, 90, 90)
            text = page.footer.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")
            self.cell(0, 4, text, align="C")

    pdf = Document(format="A4")
    if ttf:
        pdf.add_font("dejavu", "", FONT_DIR / "DejaVuSans.ttf")
        pdf.add_font("dejavu", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    else:
        pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(page.title)
    pdf.set_author(page.author)
    pdf.set_creation_date(CREATED)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    label_w = 65.0
    for kind, payload in page.blocks:
        pdf.set_text_color(25, 25, 25)
        if kind == "heading":
            pdf.ln(4)
            pdf.set_font(family, "B", 13)
            pdf.multi_cell(0, 7, payload, new_x="LMARGIN", new_y="NEXT")
        elif kind == "paragraph":
            pdf.ln(2)
            pdf.set_font(family, "", 10)
            pdf.multi_cell(0, 5, payload, new_x="LMARGIN", new_y="NEXT")
        elif kind == "rows":
            title, rows = payload
            if title:
                pdf.ln(3)
                pdf.set_font(family, "B", 11)
                pdf.multi_cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
            for label, value in rows:
                top = pdf.y
                pdf.set_font(family, "", 9)
                pdf.multi_cell(label_w, 5, label, new_x="RIGHT", new_y="TOP")
                label_bottom = pdf.y if pdf.y > top else top
                pdf.set_xy(15 + label_w, top)
                pdf.set_font(family, "", 10)
                pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
                pdf.set_y(max(pdf.y, label_bottom))
                pdf.line(15, pdf.y, pdf.w - 15, pdf.y)
        elif kind == "signatures":
            title, labels, height = payload
            if pdf.will_page_break(height + 10):
                pdf.add_page()
            pdf.ln(4)
            if title:
                pdf.set_font(family, "B", 11)
                pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
            width = (pdf.epw - 5 * (len(labels) - 1)) / len(labels)
            top = pdf.y
            pdf.set_font(family, "", 9)
            for n, label in enumerate(labels):
                x = 15 + n * (width + 5)
                pdf.rect(x, top, width, height)
                pdf.set_xy(x, top + 1)
                pdf.cell(width, 4, label)
            pdf.set_xy(15, top + height + 2)
        elif kind == "spacer":
            pdf.ln(payload)
    data = bytes(pdf.output())
    return data, pdf.pages_count


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Side:
    name: str
    render: Callable[[], bytes]
    pages: int = 0
    times: list[float] | None = None  # seconds per document

    def per_page_ms(self) -> list[float]:
        return [t * 1000 / self.pages for t in self.times or []]


def check(data: bytes, page: Page, name: str) -> int:
    reader = PdfReader(BytesIO(data))
    extracted = Counter("".join("".join(p.extract_text() for p in reader.pages).split()))
    missing = page.characters() - extracted
    if missing:
        raise SystemExit(f"{name}: characters lost in the PDF: {dict(missing)}")
    return len(reader.pages)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def table(sides: list[Side]) -> None:
    ttf = statistics.median(sides[2].per_page_ms())
    helvetica = statistics.median(sides[3].per_page_ms())
    header = (
        f"{'side':44} {'pages':>5} {'ms/doc':>8} {'ms/page':>8} {'p90':>7}"
        f" {'vs plain TTF':>12} {'vs Helvetica':>12}"
    )
    print(header)
    print("-" * len(header))
    for side in sides:
        per_page = side.per_page_ms()
        median = statistics.median(per_page)
        print(
            f"{side.name:44} {side.pages:5d} {median * side.pages:8.1f} {median:8.1f}"
            f" {percentile(per_page, 0.9):7.1f} {median / ttf:12.2f} {median / helvetica:12.2f}"
        )


def profile(render: Callable[[], bytes], repeat: int, title: str) -> None:
    """Where the time goes: the share of a few fpdf2 / fontTools entry points."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        render()
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(tottime for _, _, tottime, _, _ in entries.values())

    def cumulative(file_end: str, function: str) -> float:
        return sum(
            value[3]
            for (file, _, name), value in entries.items()
            if file.endswith(file_end) and name == function
        )

    parts = [
        ("add_font (fontTools parses the TTF)", cumulative("fpdf/fpdf.py", "add_font")),
        ("output: font subsetting and embedding", cumulative("fpdf/output.py", "_add_fonts")),
        ("  of which fontTools subset()", cumulative("fontTools/subset/__init__.py", "subset")),
        ("  of which fontTools save()", cumulative("fontTools/ttLib/ttFont.py", "save")),
        ("output: everything", cumulative("fpdf/fpdf.py", "output")),
        ("multi_cell (line breaking, measuring)", cumulative("fpdf/fpdf.py", "multi_cell")),
        ("cell", cumulative("fpdf/fpdf.py", "cell")),
    ]
    print(f"\n{title} (cProfile, {repeat} documents, {total * 1000 / repeat:.1f} ms/doc profiled)")
    for label, seconds in parts:
        if seconds:
            print(f"  {label:42} {seconds * 1000 / repeat:7.1f} ms/doc  {seconds / total:5.0%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--profile", action="store_true", help="add cProfile breakdowns")
    parser.add_argument("--runs", type=int, default=None, help="timed documents per side")
    args = parser.parse_args(argv)
    runs = args.runs or (10 if args.quick else 40)
    began = time.perf_counter()

    compiled = load_compiled(WORKFLOW)
    snapshot = sample_snapshot(compiled, TODAY)
    page = page_texts(compiled, snapshot)
    foreign = replace(
        snapshot,
        answers={**snapshot.answers, "first_name": "Ζωή Nguyễn", "last_name": "Дмитриева"},
    )
    foreign_page = page_texts(compiled, foreign)

    start = time.perf_counter()
    first = render_document(compiled, LAYOUT, snapshot, created_at=CREATED)
    cold_ms = (time.perf_counter() - start) * 1000

    sides = [
        Side(
            "product render_document",
            lambda: render_document(compiled, LAYOUT, snapshot, created_at=CREATED),
        ),
        Side(
            "product, names beyond the common glyphs",
            lambda: render_document(compiled, LAYOUT, foreign, created_at=CREATED),
        ),
        Side(
            "plain fpdf2, add_font DejaVu Sans",
            lambda: plain_document(page, ttf=True)[0],
        ),
        Side(
            "plain fpdf2, built-in Helvetica",
            lambda: plain_document(page, ttf=False)[0],
        ),
    ]
    pages_of = [page, foreign_page, page, page]
    for side, texts in zip(sides, pages_of, strict=True):
        side.pages = check(side.render(), texts, side.name)  # also the untimed warm-up
        side.times = []
    if render_document(compiled, LAYOUT, snapshot, created_at=CREATED) != first:
        raise SystemExit("product: two renderings of the same request differ")

    for _ in range(runs):  # interleaved, so that a busy moment hits every side alike
        for side in sides:
            start = time.perf_counter()
            side.render()
            assert side.times is not None
            side.times.append(time.perf_counter() - start)

    print(
        f"PDF bench: {LAYOUT} for the sample request of {WORKFLOW.name}; {runs} documents per"
        f" side, interleaved, after one untimed render; medians."
    )
    print(
        f"Python {platform.python_version()}, fpdf2 {fpdf.__version__}, fontTools"
        f" {fontTools.version}, {platform.machine()}\n"
    )
    table(sides)
    product = statistics.median(sides[0].per_page_ms())
    verdict = "met" if product < AIM_MS_PER_PAGE else "missed"
    print(
        f"\naim: under {AIM_MS_PER_PAGE:.0f} ms a page for the product: {verdict} ({product:.1f})"
    )
    print(f"first render in this process (fonts parsed, common copies cut): {cold_ms:.0f} ms")
    print(f"bytes: product {len(first)}, plain TTF {len(sides[2].render())}")
    print("every character of the texts found in every PDF; same bytes on a second render")
    if args.profile:
        profile(sides[0].render, max(5, runs // 2), "product render_document")
        profile(sides[2].render, max(5, runs // 4), "plain fpdf2 with add_font DejaVu Sans")
    print(f"\n(benchmark took {time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
