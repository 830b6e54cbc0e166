"""The report as a CSV sheet (one row per system) and as a one-page PDF (WeasyPrint).

The PDF is the print template ``templates/reports/period_report.html`` laid out
by WeasyPrint (which needs Debian's pango). One page holds the period, the
totals and the systems that did worst; the CSV and the page hold every system.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, tzinfo
from statistics import median

import jinja2
from markupsafe import Markup

from monitor.report.figures import Availability, PeriodReport, SystemFigures

PDF_SYSTEMS = 12  # the systems that did worst, on the one page
CSV_COLUMNS = (
    "system", "plain_name", "availability_percent", "availability_percent_before",
    "p95_ms", "p95_ms_before", "checks_run", "checks_down", "checks_degraded", "incidents",
    "median_minutes_to_first_notice", "longest_minutes_to_fix", "promises_made",
    "promises_kept_by_people", "promises_kept_automatically", "problem_reports",
)  # fmt: skip


def worst_first(systems: list[SystemFigures]) -> list[SystemFigures]:
    """Systems by how badly they did: lowest availability first, then most incidents."""

    def badness(figures: SystemFigures) -> tuple[float, int, str]:
        available = figures.during.availability_percent
        return (101.0 if available is None else available, -len(figures.incidents), figures.name)

    return sorted(systems, key=badness)


def to_csv(report: PeriodReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for figures in report.systems:
        incidents = figures.incidents
        notices = [
            i.minutes_to_first_notice for i in incidents if i.minutes_to_first_notice is not None
        ]
        fixes = [i.minutes_to_fix for i in incidents if i.minutes_to_fix is not None]
        during, before = figures.during, figures.before
        writer.writerow([
            _safe(figures.name), _safe(figures.plain_name), _number(during.availability_percent),
            _number(before.availability_percent), _number(during.p95_ms), _number(before.p95_ms),
            during.checks_run, during.down, during.degraded, len(incidents),
            _number(median(notices) if notices else None), _number(max(fixes) if fixes else None),
            sum(i.promises_made for i in incidents), sum(i.kept_by_people for i in incidents),
            sum(i.kept_automatically for i in incidents), len(figures.problem_reports),
        ])  # fmt: skip
    return out.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (names are checked, but stored rows may be older)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def print_html(
    pages: jinja2.Environment, report: PeriodReport, *, zone: tzinfo, charts: dict[str, Markup]
) -> str:
    """The one-page print version, ready for WeasyPrint or a browser."""
    shown = worst_first(report.systems)[:PDF_SYSTEMS]
    return pages.get_template("reports/period_report.html").render(
        report=report, systems=shown, hidden=len(report.systems) - len(shown),
        charts=charts, when=lambda moment: local(moment, zone), percent=percent, ms=ms, duration=duration,
        zone_name=str(zone),
    )  # fmt: skip


def to_pdf(html: str) -> bytes:
    """Lay ``html`` out on A4 with WeasyPrint. Slow (a second or so): call from a thread."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported here: it loads pango, which the rest never needs

    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf


def local(moment: datetime | None, zone: tzinfo) -> str:
    if moment is None:
        return ""
    at = moment.astimezone(zone)
    return f"{at:%a} {at.day} {at:%b %Y}, {at:%H:%M}"


def percent(value: float | None) -> str:
    return "no checks" if value is None else f"{value:.2f} %"


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def duration(minutes: float | None) -> str:
    """'2 min', '1 h 30 min'; empty when there is nothing to measure."""
    if minutes is None:
        return ""
    whole = round(minutes)
    if whole < 60:
        return f"{minutes:.1f} min" if minutes < 1 else f"{whole} min"
    hours, rest = divmod(whole, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def counted(number: int, one: str, many: str) -> str:
    """'1 incident', '3 incidents'."""
    return f"{number} {one if number == 1 else many}"


def change(during: Availability, before: Availability) -> str:
    """How availability moved against the four weeks before, in points."""
    now, then = during.availability_percent, before.availability_percent
    if now is None or then is None:
        return ""
    points = now - then
    return "same as before" if abs(points) < 0.005 else f"{points:+.2f} points"
