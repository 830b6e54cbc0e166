"""A timeline drawn on the server as SVG: one row per system or period, bars coloured by level.

Pure drawing: rows and bars in, markup out; no request, no database. Each bar
carries a ``<title>`` (shown on hover) naming the periods behind it; the page
puts a table with the same facts next to it for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from markupsafe import Markup, escape

from calendars import Level

WIDTH = 960
LABEL_WIDTH = 250
RIGHT_PAD = 12
TOP = 44  # room for the date ticks and the "Today" label
ROW_HEIGHT = 30
BAR_HEIGHT = 20
LEGEND_HEIGHT = 40

MAINTENANCE_FILL = ("#7b8794", "#ffffff")  # planned work: grey, apart from every level
# Fill and text colour per level; normal draws no bar.
COLOURS = {
    Level.ELEVATED: ("#f7c948", "#1f2933"),
    Level.HIGH: ("#f0863c", "#1f2933"),
    Level.CRITICAL: ("#b42318", "#ffffff"),
}


@dataclass(frozen=True, slots=True)
class Bar:
    start: datetime
    end: datetime
    level: Level
    hover: str  # what the periods are, for the bar's <title>
    maintenance: bool = False  # a maintenance window rather than a level


@dataclass(slots=True)
class Row:
    label: str
    bars: list[Bar] = field(default_factory=list)


def level_name(level: int) -> str:
    return Level(level).name.lower()


def draw_timeline(
    rows: list[Row], *, start: datetime, end: datetime, now: datetime, zone: tzinfo, title: str
) -> Markup:
    """The SVG for ``rows`` over ``[start, end)``, with a line at ``now`` and a legend."""
    chart_left, chart_right = LABEL_WIDTH, WIDTH - RIGHT_PAD
    span = (end - start).total_seconds()

    def x_of(moment: datetime) -> float:
        share = (min(max(moment, start), end) - start).total_seconds() / span
        return round(chart_left + share * (chart_right - chart_left), 1)

    height = TOP + ROW_HEIGHT * max(len(rows), 1) + LEGEND_HEIGHT
    chart_bottom = TOP + ROW_HEIGHT * max(len(rows), 1)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    parts += _ticks(start, end, zone, x_of, chart_bottom)
    for number, row in enumerate(rows):
        y = TOP + number * ROW_HEIGHT
        if number % 2:
            parts.append(
                f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW_HEIGHT}" fill="#f5f7fa"/>'
            )
        label = row.label if len(row.label) <= 31 else row.label[:30] + "…"
        parts.append(
            f'<text x="8" y="{y + ROW_HEIGHT / 2 + 4.5}" fill="#1f2933">'
            f"<title>{escape(row.label)}</title>{escape(label)}</text>"
        )
        for bar in row.bars:
            parts.append(_bar(bar, x_of, y))
    if not rows:
        parts.append(
            f'<text x="{chart_left}" y="{TOP + ROW_HEIGHT / 2 + 4.5}" fill="#52606d">'
            "Nothing to show in this span.</text>"
        )
    today = x_of(now)
    parts.append(
        f'<line class="today" x1="{today}" y1="{TOP - 14}" x2="{today}" y2="{chart_bottom}" '
        'stroke="#1f5fa8" stroke-width="2"/>'
    )
    anchor = "start" if today < chart_right - 60 else "end"
    parts.append(
        f'<text class="today-label" x="{today + (4 if anchor == "start" else -4)}" y="{TOP - 4}" '
        f'text-anchor="{anchor}" fill="#1f5fa8" font-weight="600">Today</text>'
    )
    parts += _legend(chart_bottom + 14, any(bar.maintenance for row in rows for bar in row.bars))
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(bar: Bar, x_of: Callable[[datetime], float], y: float) -> str:
    left, right = x_of(bar.start), x_of(bar.end)
    width = max(right - left, 2.0)
    fill, ink = (
        MAINTENANCE_FILL if bar.maintenance else COLOURS.get(bar.level, ("#cbd2d9", "#1f2933"))
    )
    name = "maintenance" if bar.maintenance else level_name(bar.level)
    top = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
    text = ""
    if width >= 8 * len(name) + 8:
        text = (
            f'<text x="{left + 4}" y="{top + BAR_HEIGHT / 2 + 4.5}" fill="{ink}" '
            f'font-size="12">{name}</text>'
        )
    elif width >= 14:
        text = (
            f'<text x="{left + 3}" y="{top + BAR_HEIGHT / 2 + 4.5}" fill="{ink}" '
            f'font-size="12">{name[0].upper()}</text>'
        )
    return (
        f'<g class="bar level-{name}"><title>{escape(bar.hover)}</title>'
        f'<rect x="{left}" y="{top}" width="{round(width, 1)}" height="{BAR_HEIGHT}" rx="3" '
        f'fill="{fill}"/>{text}</g>'
    )


def _ticks(
    start: datetime, end: datetime, zone: tzinfo, x_of: Callable[[datetime], float], bottom: float
) -> list[str]:
    """A thin line and a date at the start of each week (Mondays), in ``zone``."""
    parts = []
    local = start.astimezone(zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    day += timedelta(days=(7 - day.weekday()) % 7 or 7)
    while day < end:
        x = x_of(day)
        parts.append(
            f'<line x1="{x}" y1="{TOP - 26}" x2="{x}" y2="{bottom}" stroke="#d9e2ec" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x + 3}" y="{TOP - 18}" fill="#52606d" font-size="12">'
            f"{day.day} {day:%b}</text>"
        )
        day += timedelta(days=7)  # wall-clock days: zoneinfo keeps midnight across DST
    return parts


def _legend(y: float, maintenance: bool = False) -> list[str]:
    parts = [f'<text x="8" y="{y + 13}" fill="#52606d">Levels:</text>']
    x = 70.0
    for level, (fill, _ink) in COLOURS.items():
        name = level_name(level)
        parts.append(
            f'<rect x="{x}" y="{y}" width="18" height="18" rx="3" fill="{fill}"/>'
            f'<text x="{x + 24}" y="{y + 13}" fill="#1f2933">{name}</text>'
        )
        x += 40 + 8 * len(name)
    if maintenance:
        parts.append(
            f'<rect x="{x}" y="{y}" width="18" height="18" rx="3" fill="{MAINTENANCE_FILL[0]}"/>'
            f'<text x="{x + 24}" y="{y + 13}" fill="#1f2933">maintenance</text>'
        )
        x += 40 + 8 * len("maintenance")
    parts.append(f'<text x="{x}" y="{y + 13}" fill="#52606d">(no bar: normal)</text>')
    return parts
