"""Pictures drawn on the server as SVG text: the process as boxes and arrows with a count in
each state, and horizontal bar charts. Every text comes from the caller (labels written in a
workflow's YAML) and is escaped here; the SVG uses presentation attributes only (no `style`),
so a Content-Security-Policy without inline styles still draws it."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Box:
    id: str
    label: str
    count: int
    final: bool = False
    initial: bool = False


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    label: str


def layers(boxes: Sequence[Box], arrows: Sequence[Arrow], initial: str) -> list[list[str]]:
    """States in layers from the initial state down: each state sits one layer below the
    deepest state leading to it, transitions that go back (closing a loop) left aside, so
    that arrows mostly point downwards and end states come after what leads to them. States
    of a layer keep the spec's order; states no transition reaches come last."""
    order = [b.id for b in boxes]
    known = set(order)
    following: dict[str, list[str]] = {state: [] for state in order}
    for arrow in arrows:
        usable = arrow.source in known and arrow.target in known and arrow.source != arrow.target
        if usable and arrow.target not in following[arrow.source]:
            following[arrow.source].append(arrow.target)
    # Depth-first from the initial state: an arrow to a state still being explored closes a
    # loop; the others form a graph without loops, where the longest path gives the layer.
    forward: dict[str, list[str]] = {state: [] for state in order}
    finished: list[str] = []
    status: dict[str, str] = {}
    if initial in known:
        stack: list[tuple[str, int]] = [(initial, 0)]
        status[initial] = "open"
        while stack:
            state, index = stack.pop()
            targets = following[state]
            if index < len(targets):
                stack.append((state, index + 1))
                target = targets[index]
                if status.get(target) != "open":
                    forward[state].append(target)
                if target not in status:
                    status[target] = "open"
                    stack.append((target, 0))
            else:
                status[state] = "done"
                finished.append(state)
    depth: dict[str, int] = {}
    for state in reversed(finished):  # a topological order of the forward arrows
        depth.setdefault(state, 0)
        for target in forward[state]:
            depth[target] = max(depth.get(target, 0), depth[state] + 1)
    deepest = max(depth.values(), default=-1)
    grouped: list[list[str]] = [[] for _ in range(deepest + 1)]
    unreached: list[str] = []
    for state in order:
        if state in depth:
            grouped[depth[state]].append(state)
        else:
            unreached.append(state)
    if unreached:
        grouped.append(unreached)
    return [layer for layer in grouped if layer]


BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 190, 84, 40, 70, 20
LINE_CHARS = 26


def _label_lines(label: str, limit: int = 3) -> list[str]:
    lines = textwrap.wrap(label, LINE_CHARS) or [""]
    if len(lines) > limit:
        lines = [*lines[: limit - 1], textwrap.shorten(" ".join(lines[limit - 1 :]), LINE_CHARS)]
    return lines


def _crosses(
    start: tuple[float, float], end: tuple[float, float], box: tuple[float, float]
) -> bool:
    """Whether the segment start→end passes through the box at `box` (its top left corner)."""
    (x1, y1), (x2, y2) = start, end
    left, top = box
    if not (y1 < top + BOX_H and y2 > top) or y2 == y1:
        return False
    # x of the segment where it enters and leaves the box's height.
    xa = x1 + (x2 - x1) * (max(top, y1) - y1) / (y2 - y1)
    xb = x1 + (x2 - x1) * (min(top + BOX_H, y2) - y1) / (y2 - y1)
    return max(xa, xb) > left - 4 and min(xa, xb) < left + BOX_W + 4


def _downward(
    start: tuple[float, float],
    end: tuple[float, float],
    between: Sequence[tuple[float, float]],
    width: float,
) -> str:
    """A straight arrow down, or, when a box of the layers in between stands in the way, one
    that goes down the nearest free lane beside those boxes."""
    (x1, y1), (x2, y2) = start, end
    if not any(_crosses(start, end, box) for box in between):
        return f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}"
    blocked = [(left - 10, left + BOX_W + 10) for left, _ in between]
    candidates = [edge for low, high in blocked for edge in (low, high)]
    free = [
        x
        for x in candidates
        if 4 <= x <= width - 4 and not any(low < x < high for low, high in blocked)
    ] or [4.0]
    lane = min(free, key=lambda x: abs(x - (x1 + x2) / 2))
    top = min(y for _, y in between)
    bottom = max(y for _, y in between) + BOX_H
    return (
        f"M{x1:.0f},{y1:.0f} C{x1:.0f},{(y1 + top) / 2:.0f} {lane:.0f},{(y1 + top) / 2:.0f} "
        f"{lane:.0f},{top:.0f} L{lane:.0f},{bottom:.0f} "
        f"C{lane:.0f},{(bottom + y2) / 2:.0f} {x2:.0f},{(bottom + y2) / 2:.0f} {x2:.0f},{y2:.0f}"
    )


def process_diagram(
    boxes: Sequence[Box],
    arrows: Sequence[Arrow],
    initial: str,
    *,
    title: str,
    description: str,
    box_title: str = "{label}: {n}",
) -> str:
    """Layers from top to bottom, states of a layer side by side; an arrow per transition
    (straight between layers, curved on the side when it goes back up or stays in its layer)."""
    by_id = {b.id: b for b in boxes}
    grouped = layers(boxes, arrows, initial)
    widest = max((len(layer) for layer in grouped), default=1)
    # Room on the right for the arrows that go back up.
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X + 80
    height = MARGIN * 2 + len(grouped) * BOX_H + (len(grouped) - 1) * GAP_Y
    position: dict[str, tuple[float, float]] = {}
    depth: dict[str, int] = {}
    for row, layer in enumerate(grouped):
        used = len(layer) * BOX_W + (len(layer) - 1) * GAP_X
        left = (width - 80 - used) / 2
        for column, state in enumerate(layer):
            position[state] = (left + column * (BOX_W + GAP_X), MARGIN + row * (BOX_H + GAP_Y))
            depth[state] = row
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" class="chart chart--process" '
        f'aria-labelledby="process-title process-desc" font-family="{_e(FONT)}">',
        f'<title id="process-title">{_e(title)}</title>',
        f'<desc id="process-desc">{_e(description)}</desc>',
        '<defs><marker id="process-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#4a5563"/></marker></defs>',
    ]
    # Arrows going down leave from points spread along the bottom of their box and arrive at
    # points spread along the top of theirs, ordered by where the other end is.
    pairs = list(
        dict.fromkeys(
            (a.source, a.target)
            for a in arrows
            if a.source in position and a.target in position and depth[a.target] > depth[a.source]
        )
    )
    ports_out: dict[tuple[str, str], float] = {}
    ports_in: dict[tuple[str, str], float] = {}
    for state in position:
        leaving = sorted((p for p in pairs if p[0] == state), key=lambda p: position[p[1]][0])
        for index, pair in enumerate(leaving):
            ports_out[pair] = position[state][0] + BOX_W * (index + 1) / (len(leaving) + 1)
        coming = sorted((p for p in pairs if p[1] == state), key=lambda p: position[p[0]][0])
        for index, pair in enumerate(coming):
            ports_in[pair] = position[state][0] + BOX_W * (index + 1) / (len(coming) + 1)
    seen: set[tuple[str, str]] = set()
    for arrow in arrows:
        if arrow.source not in position or arrow.target not in position:
            continue
        if arrow.source == arrow.target or (arrow.source, arrow.target) in seen:
            continue
        seen.add((arrow.source, arrow.target))
        labels = [a.label for a in arrows if (a.source, a.target) == (arrow.source, arrow.target)]
        sx, sy = position[arrow.source]
        tx, ty = position[arrow.target]
        if depth[arrow.target] > depth[arrow.source]:
            pair = (arrow.source, arrow.target)
            path = _downward(
                (ports_out[pair], sy + BOX_H),
                (ports_in[pair], ty),
                [
                    position[s]
                    for s in position
                    if depth[arrow.source] < depth[s] < depth[arrow.target]
                ],
                width,
            )
        elif depth[arrow.target] == depth[arrow.source]:
            # Side by side: from the facing sides, a little above or below the middle so that
            # arrows both ways do not overlap.
            shift = -8 if tx > sx else 8
            x1 = sx + BOX_W if tx > sx else sx
            x2 = tx if tx > sx else tx + BOX_W
            y = sy + BOX_H / 2 + shift
            path = f"M{x1:.0f},{y:.0f} L{x2:.0f},{y:.0f}"
        else:
            # Back up: leave by the right side and come back in by the right side, bending
            # outwards.
            bend = 40 + 14 * abs(depth[arrow.source] - depth[arrow.target])
            x1, y1 = sx + BOX_W, sy + BOX_H / 2
            x2, y2 = tx + BOX_W, ty + BOX_H / 2 + 8
            path = (
                f"M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} {x2 + bend:.0f},{y2:.0f} "
                f"{x2:.0f},{y2:.0f}"
            )
        names = f"{by_id[arrow.source].label} → {by_id[arrow.target].label}"
        parts.append(
            f'<path d="{path}" fill="none" stroke="#4a5563" stroke-width="1.5" '
            f'marker-end="url(#process-arrow)"><title>{_e("; ".join(labels))} '
            f"({_e(names)})</title></path>"
        )
    for box in boxes:
        x, y = position[box.id]
        fill = "#e8f1fb" if box.count else "#ffffff"
        stroke_width = "3" if box.final else "1.5"
        parts.append(
            f'<g class="chart__state"><title>{_e(box_title.format(label=box.label, n=box.count))}'
            f"</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="{fill}" stroke="#1f3a5f" stroke-width="{stroke_width}"/>'
        )
        lines = _label_lines(box.label)
        for index, line in enumerate(lines):
            parts.append(
                f'<text x="{x + BOX_W / 2:.0f}" y="{y + 18 + index * 15:.0f}" '
                f'text-anchor="middle" font-size="12" fill="#1b1f24">{_e(line)}</text>'
            )
        parts.append(
            f'<text x="{x + BOX_W / 2:.0f}" y="{y + BOX_H - 9:.0f}" text-anchor="middle" '
            f'font-size="17" font-weight="700" fill="#1f3a5f">{box.count}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    bars: Sequence[tuple[str, int]],
    *,
    title: str,
    description: str,
    chart_id: str = "bars",
) -> str:
    """Horizontal bars, one per (label, number), in the given order, the number beside each."""
    label_width, bar_width, row_height = 260, 360, 30
    largest = max((n for _, n in bars), default=0) or 1
    height = MARGIN * 2 + max(len(bars), 1) * row_height
    width = MARGIN * 2 + label_width + bar_width + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart chart--bars" '
        f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" font-family="{_e(FONT)}">',
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-desc">{_e(description)}</desc>',
    ]
    for index, (label, number) in enumerate(bars):
        y = MARGIN + index * row_height
        length = round(bar_width * number / largest)
        shown = textwrap.shorten(label, 40, placeholder="…")
        parts.append(
            f"<g><title>{_e(label)} : {number}</title>"
            f'<text x="{MARGIN + label_width - 8}" y="{y + 19}" text-anchor="end" '
            f'font-size="13" fill="#1b1f24">{_e(shown)}</text>'
            f'<rect x="{MARGIN + label_width}" y="{y + 5}" width="{max(length, 1)}" height="20" '
            f'fill="{"#2f6db3" if number else "#c9ced6"}"/>'
            f'<text x="{MARGIN + label_width + max(length, 1) + 6}" y="{y + 19}" '
            f'font-size="13" font-weight="700" fill="#1b1f24">{number}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
