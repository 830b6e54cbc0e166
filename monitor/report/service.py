"""The report in each of its forms, from the engine: figures, charts, CSV, PDF, the email to IT.

WeasyPrint takes a second or more of CPU for the PDF, and Python runs one thread
at a time: it lays the page out in a job worker process (:mod:`monitor.jobs`),
so the watcher's checks never wait for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import jinja2
from markupsafe import Markup
from sqlalchemy import Engine

from monitor.db.engine import session_scope
from monitor.jobs import shared_pool
from monitor.paths import templates_dir
from monitor.report.build import build_report
from monitor.report.charts import draw_days
from monitor.report.export import PDF_SYSTEMS, print_html, to_csv, to_pdf, worst_first
from monitor.report.figures import BASELINE_DAYS, PeriodReport, SystemFigures
from monitor.settings import Settings
from notifiers.message import Attachment

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"


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


def report_pages() -> jinja2.Environment:
    """The templates the print version renders from, for callers without the app's."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(default=True),
    )


def pdf_of(
    settings: Settings, pages: jinja2.Environment, report: PeriodReport, zone: tzinfo
) -> bytes:
    """The one-page PDF, laid out in a job worker. Blocks: call it from a thread.

    Raises :class:`monitor.jobs.WorkersBusy` when no worker is free within the job limit."""
    charts = charts_of(report, worst_first(report.systems)[:PDF_SYSTEMS], zone)
    html = print_html(pages, report, zone=zone, charts=charts)
    pool = shared_pool(settings.job_workers, memory_bytes=settings.job_memory_mb * 2**20)
    return pool.run(to_pdf, html, limit=settings.job_seconds)


def attachments_of(
    settings: Settings, pages: jinja2.Environment, report: PeriodReport, zone: tzinfo
) -> tuple[Attachment, ...]:
    """The PDF and the CSV, as an email carries them."""
    name = f"closewatch-report-{report.occurrence_id}"
    return (
        Attachment(f"{name}.pdf", PDF, pdf_of(settings, pages, report, zone)),
        Attachment(f"{name}.csv", CSV, to_csv(report).encode("utf-8")),
    )
