"""The report in each of its forms, from the engine: figures, charts, CSV, PDF."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import jinja2
from markupsafe import Markup
from sqlalchemy import Engine

from monitor.db.engine import session_scope
from monitor.report.build import build_report
from monitor.report.charts import draw_days
from monitor.report.export import PDF_SYSTEMS, print_html, to_pdf, worst_first
from monitor.report.figures import BASELINE_DAYS, PeriodReport, SystemFigures


def load_report(engine: Engine, occurrence_id: int, *, now: datetime) -> PeriodReport | None:
    with session_scope(engine) as session:
        return build_report(session, occurrence_id, now=now)


def chart_of(report: PeriodReport, figures: SystemFigures, zone: tzinfo) -> Markup:
    period_days = -(-(report.end - report.start) // timedelta(days=1))  # whole days, rounded up
    return draw_days(
        figures.days, origin=report.start - timedelta(days=BASELINE_DAYS),
        period_days=period_days, zone=zone,
        title=f"{figures.plain_name}: availability and latency per day",
    )  # fmt: skip


def charts_of(
    report: PeriodReport, systems: list[SystemFigures], zone: tzinfo
) -> dict[str, Markup]:
    return {figures.name: chart_of(report, figures, zone) for figures in systems if figures.days}


def pdf_of(pages: jinja2.Environment, report: PeriodReport, zone: tzinfo) -> bytes:
    """The one-page PDF; a second or so of CPU: call it from a thread."""
    charts = charts_of(report, worst_first(report.systems)[:PDF_SYSTEMS], zone)
    return to_pdf(print_html(pages, report, zone=zone, charts=charts))
