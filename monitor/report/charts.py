"""Each system's days drawn on the server as SVG: availability and latency, the period shaded.

Pure drawing, like :mod:`monitor.api.timeline_svg`: figures in, markup out. The
page and the PDF embed the same markup; the table beside it carries the same
numbers for screen readers. No script, no inline style attribute (the page's
CSP forbids them): colours are presentation attributes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from markupsafe import Markup, escape

from monitor.report.figures import BASELINE_DAYS, Day

WIDTH = 640
LEFT = 56  # room for the axis labels
RIGHT = 8
PANEL = 56  # height of each of the two panels
GAP = 22
TOP = 18
FLOOR_PERCENT = 90.0  # the availability axis starts here or lower: differences near 100 % matter
PERIOD_FILL = "#e4ecf7"
UP_FILL, LOW_FILL, LATENCY_FILL = "#3b7d3b", "#b42318", "#1f5fa8"


def draw_days(
    days: list[Day], *, origin: datetime, period_days: int, zone: tzinfo, title: str
) -> Markup:
    """Availability (top) and p95 latency (bottom) per day, from ``origin`` over the period."""
    count = BASELINE_DAYS + max(period_days, 1)
    step = (WIDTH - LEFT - RIGHT) / count
    height = TOP + 2 * PANEL + GAP + 22
    latency_top = max((d.p95_ms or 0.0 for d in days), default=0.0) or 1.0
    lowest = min(
        (d.availability_percent for d in days if d.availability_percent is not None), default=100.0
    )
    floor = axis_floor(lowest)
    parts = [
        f'<svg class="days" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    period_x = LEFT + BASELINE_DAYS * step
    parts.append(
        f'<rect x="{period_x:.1f}" y="{TOP - 14}" width="{WIDTH - RIGHT - period_x:.1f}" '
        f'height="{2 * PANEL + GAP + 14}" fill="{PERIOD_FILL}"/>'
        f'<text x="{period_x + 3:.1f}" y="{TOP - 4}" fill="#1f2933">the period</text>'
        f'<text x="{LEFT:.1f}" y="{TOP - 4}" fill="#52606d">the four weeks before</text>'
    )
    for y, label in ((TOP, "100 %"), (TOP + PANEL, f"{floor:.0f} %")):
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 4}" text-anchor="end" fill="#52606d">{label}</text>'
        )
    lat_y = TOP + PANEL + GAP
    parts.append(
        f'<text x="{LEFT - 4}" y="{lat_y + 4}" text-anchor="end" fill="#52606d">{_ms(latency_top)}</text>'
        f'<text x="{LEFT - 4}" y="{lat_y + PANEL + 4}" text-anchor="end" fill="#52606d">0 ms</text>'
    )
    for day in days:
        if not 0 <= day.index < count:
            continue
        x = LEFT + day.index * step
        when = (origin + timedelta(days=day.index)).astimezone(zone)
        label = f"{when.day} {when:%b}"
        if day.availability_percent is not None:
            share = (day.availability_percent - floor) / (100 - floor)
            bar = max(share * PANEL, 1.5)  # a day at the floor still shows
            fill = UP_FILL if day.availability_percent >= 99.5 else LOW_FILL
            parts.append(
                f'<rect x="{x + 0.5:.1f}" y="{TOP + PANEL - bar:.1f}" width="{max(step - 1, 1):.1f}" '
                f'height="{bar:.1f}" fill="{fill}"><title>{label}: '
                f"{day.availability_percent:.2f} % available</title></rect>"
            )
        if day.p95_ms is not None:
            bar = max(day.p95_ms / latency_top * PANEL, 1.0)
            parts.append(
                f'<rect x="{x + 0.5:.1f}" y="{lat_y + PANEL - bar:.1f}" width="{max(step - 1, 1):.1f}" '
                f'height="{bar:.1f}" fill="{LATENCY_FILL}"><title>{label}: p95 {_ms(day.p95_ms)}</title></rect>'
            )
    for y in (TOP + PANEL, lat_y + PANEL):
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#9aa5b1"/>')
    parts.append(
        f'<text x="{LEFT}" y="{height - 4}" fill="#52606d">Top: checks that passed, per day. '
        "Bottom: time the slowest 5 % of checks took (p95).</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def axis_floor(lowest: float) -> float:
    """Where the availability axis starts: 90 %, or lower in whole tens so the worst day shows."""
    return max(0.0, min(FLOOR_PERCENT, (lowest - 5) // 10 * 10))


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"
