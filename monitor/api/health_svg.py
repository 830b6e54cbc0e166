"""Small SVGs of the watching, drawn on the server: a check's recent results as a strip of
marks, and its answer times over 24 hours as bars.

Pure drawing: marks in, markup out. Each SVG is ``role="img"`` with an ``aria-label``
saying in words what it shows, each mark carries a ``<title>`` for hover, and the page
writes the same facts as text next to it. Colour is never the only sign: a failed
result is also a short mark, a slow one a mid-height mark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from markupsafe import Markup, escape

from monitor.watch.health import Bucket, Mark

STATUS_COLOURS = {"up": "#2f8132", "degraded": "#b7791f", "down": "#b42318"}
STATUS_HEIGHTS = {"up": 1.0, "degraded": 0.7, "down": 0.45}
STRIP_SLOT, STRIP_GAP, STRIP_HEIGHT = 8, 3, 24

Describe = Callable[[datetime], str]


def strip_summary(marks: Sequence[Mark]) -> str:
    """The strip in words: ``Last 40 results: 37 up, 1 degraded, 2 down.``"""
    if not marks:
        return "No results yet."
    counts = {status: sum(1 for m in marks if m.status == status) for status in STATUS_COLOURS}
    parts = [f"{counts[s]} {s}" for s in STATUS_COLOURS if counts[s]]
    if len(marks) == 1:
        return f"One result so far: {marks[0].status}."
    return f"Last {len(marks)} results: {', '.join(parts)}."


def draw_strip(marks: Sequence[Mark], *, slots: int, when: Describe) -> Markup:
    """``slots`` marks wide, the newest on the right; empty slots stay blank."""
    width = slots * (STRIP_SLOT + STRIP_GAP)
    parts = [
        f'<svg class="strip" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {STRIP_HEIGHT}" '
        f'width="{width}" height="{STRIP_HEIGHT}" role="img" aria-label="{escape(strip_summary(marks))}">'
    ]
    offset = slots - len(marks[-slots:])
    for empty in range(offset):  # slots not filled yet: a faint baseline, so the strip reads as one
        parts.append(
            f'<rect class="empty" x="{empty * (STRIP_SLOT + STRIP_GAP)}" y="{STRIP_HEIGHT - 3}" '
            f'width="{STRIP_SLOT}" height="3" fill="#d9e2ec"/>'
        )
    for i, mark in enumerate(marks[-slots:]):
        x = (offset + i) * (STRIP_SLOT + STRIP_GAP)
        height = STRIP_HEIGHT * STATUS_HEIGHTS.get(mark.status, 1.0)
        label = f"{when(mark.at)}: {mark.status}, {mark.duration_ms:.0f} ms"
        if mark.message and mark.status != "up":
            label += f" ({mark.message})"
        parts.append(
            f'<rect class="mark {escape(mark.status)}" x="{x}" y="{STRIP_HEIGHT - height:.1f}" '
            f'width="{STRIP_SLOT}" height="{height:.1f}" rx="2" '
            f'fill="{STATUS_COLOURS.get(mark.status, "#9aa5b1")}"><title>{escape(label)}</title></rect>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


LATENCY_WIDTH, LATENCY_HEIGHT, AXIS = 720, 160, 40


def draw_latency(
    buckets: Sequence[Bucket], *, budget_ms: float, when: Describe, title: str
) -> Markup:
    """Median answer time per slice as bars, a dashed line at the latency budget, and a red
    mark under each slice with a failure."""
    slices = max(len(buckets), 1)
    slowest = max([b.median_ms or 0.0 for b in buckets], default=0.0)
    # Scaled to the answers, not the budget: a 1 s budget would flatten 5 ms answers to nothing.
    peak = max(slowest * 1.25, 10.0)
    chart = LATENCY_HEIGHT - 24
    step = (LATENCY_WIDTH - AXIS) / slices

    def y_of(ms: float) -> float:
        return chart - chart * ms / peak

    parts = [
        f'<svg class="latency" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LATENCY_WIDTH} {LATENCY_HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="12" fill="#1f2933">',
        f'<text x="0" y="12" class="axis">{peak:.0f} ms</text>',
        f'<text x="0" y="{chart}" class="axis">0</text>',
    ]  # fmt: skip
    if budget_ms <= peak:
        y = y_of(budget_ms)
        parts.append(
            f'<line x1="{AXIS}" x2="{LATENCY_WIDTH}" y1="{y:.1f}" y2="{y:.1f}" class="budget" stroke="#52606d" '
            f'stroke-dasharray="4 3"><title>Latency budget now: {budget_ms:.0f} ms</title></line>'
        )
    else:
        parts.append(
            f'<text x="{LATENCY_WIDTH}" y="12" text-anchor="end" class="axis">'
            f"budget {budget_ms:.0f} ms, far above</text>"
        )
    for i, bucket in enumerate(buckets):
        x = AXIS + i * step
        label = f"{when(bucket.start)}: "
        if not bucket.total:
            label += "no results"
        else:
            label += f"{bucket.total} results, {bucket.down} failed"
            if bucket.median_ms is not None:
                label += f", median {bucket.median_ms:.0f} ms"
        if bucket.median_ms is not None:
            y = y_of(bucket.median_ms)
            parts.append(
                f'<rect class="answer" x="{x + 1:.1f}" y="{y:.1f}" width="{step - 2:.1f}" '
                f'height="{chart - y:.1f}" fill="#1f5fa8"><title>{escape(label)}</title></rect>'
            )
        if bucket.down:
            parts.append(
                f'<rect class="failed" x="{x + 1:.1f}" y="{chart + 4}" width="{step - 2:.1f}" height="8" '
                f'fill="#b42318"><title>{escape(label)}</title></rect>'
            )
    if buckets:
        parts.append(
            f'<text x="{AXIS}" y="{LATENCY_HEIGHT - 2}" class="axis">{escape(when(buckets[0].start))}</text>'
        )
        parts.append(
            f'<text x="{LATENCY_WIDTH}" y="{LATENCY_HEIGHT - 2}" class="axis" text-anchor="end">now</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
