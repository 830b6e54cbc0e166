"""The critical-period report as a page, for anyone signed in, with its CSV and PDF.

The same figures as ``GET /api/v1/reports/{occurrence}``; the downloads here use
the page session rather than a bearer token.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from monitor.api.pages.plumbing import gate, message_page, page_zone, render_page
from monitor.api.session import UiSession
from monitor.api.state import state_of
from monitor.db.engine import session_scope
from monitor.jobs import JobError
from monitor.report.export import change, counted, duration, ms, percent, to_csv, worst_first
from monitor.report.figures import PeriodReport
from monitor.report.service import charts_of, load_report, pdf_of
from monitor.roles import Role
from monitor.store.queries import OccurrenceFilter, list_occurrences

router = APIRouter(include_in_schema=False)


def _load(request: Request, occurrence_id: str) -> PeriodReport | None:
    if (
        not occurrence_id.isascii()
        or not occurrence_id.isdigit()
        or not 0 < int(occurrence_id) < 2**31
    ):
        return None
    state = state_of(request)
    return load_report(state.engine, int(occurrence_id), now=state.clock())


def _missing(request: Request, who: UiSession, occurrence_id: str) -> HTMLResponse:
    return message_page(request, who, 404, "No such period",
                        f"closewatch has no occurrence {occurrence_id[:20]!r} to report on.")  # fmt: skip


def _viewed(request: Request, occurrence_id: str) -> tuple[UiSession, PeriodReport] | Response:
    """The viewer and the report they asked for; else the sign-in or the "no such period" page."""
    who = gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    report = _load(request, occurrence_id)
    if report is None:
        return _missing(request, who, occurrence_id)
    return who, report


REPORTS_BACK = timedelta(days=62)  # about two months of closings to look back on


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request) -> Response:
    """The occurrences of the last two months and those on now, newest first, each with its report."""
    who = gate(request, Role.VIEWER)
    if isinstance(who, Response):
        return who
    state = state_of(request)
    now = state.clock()
    with session_scope(state.engine) as session:
        found = list_occurrences(
            session, OccurrenceFilter(start=now - REPORTS_BACK, end=now, limit=500)
        )
        rows = [(row.occurrence.id, row.occurrence.title or row.period_title, row.occurrence.start,
                 row.occurrence.end, len(row.systems)) for row in found]  # fmt: skip
    rows.sort(key=lambda row: row[2], reverse=True)
    return render_page(request, "period_reports", who, rows=rows, now=now)


@router.get("/reports/{occurrence_id}", response_class=HTMLResponse)
def report_page(request: Request, occurrence_id: str) -> Response:
    viewed = _viewed(request, occurrence_id)
    if isinstance(viewed, Response):
        return viewed
    who, report = viewed
    systems = worst_first(report.systems)
    return render_page(
        request, "period_report", who, report=report, systems=systems,
        charts=charts_of(report, systems, page_zone(request)), percent=percent, ms=ms, change=change,
        duration=duration, counted=counted,
    )  # fmt: skip


@router.get("/reports/{occurrence_id}/report.csv")
def report_csv(request: Request, occurrence_id: str) -> Response:
    viewed = _viewed(request, occurrence_id)
    if isinstance(viewed, Response):
        return viewed
    _who, report = viewed
    disposition = f'attachment; filename="closewatch-report-{report.occurrence_id}.csv"'
    return Response(to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})  # fmt: skip


@router.get("/reports/{occurrence_id}/report.pdf")
async def report_pdf(request: Request, occurrence_id: str) -> Response:
    viewed = await run_in_threadpool(_viewed, request, occurrence_id)
    if isinstance(viewed, Response):
        return viewed
    who, report = viewed
    state = state_of(request)
    try:
        pdf = await run_in_threadpool(
            pdf_of, state.settings, state.pages, report, page_zone(request)
        )
    except JobError:  # no free worker, or the layout failed or took too long
        return message_page(request, who, 503, "Busy", "closewatch is busy with other work. "
                            "Nothing is lost: ask for the PDF again in a minute.")  # fmt: skip
    disposition = f'inline; filename="closewatch-report-{report.occurrence_id}.pdf"'
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})  # fmt: skip
