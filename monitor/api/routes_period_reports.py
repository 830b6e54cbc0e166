"""The critical-period report of an occurrence: JSON, CSV and a one-page PDF.

Built on demand from aggregates (:mod:`monitor.report.build`); the PDF is laid
out by WeasyPrint in a worker thread. The same report reaches the IT contact by
email with the wrap-up.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from monitor.api.auth import Viewer
from monitor.api.openapi import problems
from monitor.api.problems import Problem
from monitor.api.schemas_report import PeriodReportOut
from monitor.api.state import App, AppState
from monitor.fields import LARGEST_ID
from monitor.jobs import JobError
from monitor.report.export import to_csv
from monitor.report.figures import PeriodReport
from monitor.report.service import load_report, pdf_of

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

OccurrenceId = Annotated[
    int,
    Path(ge=1, le=LARGEST_ID, description="The occurrence's id, as /api/v1/occurrences lists it."),
]
CSV_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}
PDF_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


def report_or_404(app: AppState, occurrence_id: int) -> PeriodReport:
    report = load_report(app.engine, occurrence_id, now=app.clock())
    if report is None:
        raise Problem(404, f"no occurrence {occurrence_id}", field="path.occurrence_id")
    return report


def download_name(report: PeriodReport, suffix: str) -> str:
    return f'attachment; filename="closewatch-report-{report.occurrence_id}.{suffix}"'


@router.get(
    "/{occurrence_id}",
    response_model=PeriodReportOut,
    summary="How a critical period went: per system, with incidents, notices and feedback",
    responses=problems(404),
)
def get_report(occurrence_id: OccurrenceId, app: App, _token: Viewer) -> PeriodReportOut:
    return PeriodReportOut.model_validate(report_or_404(app, occurrence_id))


@router.get(
    "/{occurrence_id}/report.csv",
    response_class=Response,
    responses={**CSV_ANSWER, **problems(404)},
    summary="The report as a CSV sheet, one row per system",
)
def get_report_csv(occurrence_id: OccurrenceId, app: App, _token: Viewer) -> Response:
    report = report_or_404(app, occurrence_id)
    return Response(to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": download_name(report, "csv")})  # fmt: skip


@router.get(
    "/{occurrence_id}/report.pdf",
    response_class=Response,
    responses={**PDF_ANSWER, **problems(404, 503)},
    summary="The report as a one-page PDF",
)
async def get_report_pdf(occurrence_id: OccurrenceId, app: App, _token: Viewer) -> Response:
    report = await run_in_threadpool(report_or_404, app, occurrence_id)
    zone = ZoneInfo(app.settings.timezone)
    try:
        pdf = await run_in_threadpool(pdf_of, app.settings, app.pages, report, zone)
    except JobError as exc:  # no free worker, or the layout failed or took too long
        problem = Problem(503, f"the PDF could not be laid out now ({exc}); ask again in a minute")
        problem.headers["Retry-After"] = "60"
        raise problem from None
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": download_name(report, "pdf")})  # fmt: skip
