"""The critical-period report on a generated month: figures, JSON, CSV, PDF and the page."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zlib
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, select

from monitor.db.engine import session_scope
from monitor.db.models import (
    Delivery,
    Feedback,
    Incident,
    IncidentEvent,
    ProblemReport,
    System,
    Unsubscribe,
)
from monitor.report.service import load_report
from tests.conftest import NOW
from tests.monitor.report.month import END, generate_month, plain_name

START = END - timedelta(days=5)


def pages_in(pdf: bytes) -> int:
    """Page objects in a PDF, looking inside the compressed object streams WeasyPrint writes."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(stream))
    return sum(len(re.findall(rb"/Type\s*/Page\b", part)) for part in parts)


def _incident_with_its_story(engine: Engine) -> int:
    """sap-fi's first system fails on the second day: told after 2 minutes, fixed after 90."""
    opened = START + timedelta(days=1, hours=9)
    with session_scope(engine) as session:
        system_id = session.execute(select(System.id).where(System.name == "sys-000")).scalar_one()
        incident = Incident(system_id=system_id, status="closed", level=2, title="sys-000/web: refused",
                            public_line="The system number 0 is not working as it should.",
                            opened_at=opened, resolved_at=opened + timedelta(minutes=90),
                            closed_at=opened + timedelta(minutes=95))  # fmt: skip
        session.add(incident)
        session.flush()
        assert incident.id is not None
        for minutes, kind in (
            (0, "opened"),
            (0, "announced"),
            (30, "update"),
            (60, "auto_update"),
            (90, "resolved"),
        ):
            session.add(
                IncidentEvent(
                    incident_id=incident.id, at=opened + timedelta(minutes=minutes), kind=kind
                )
            )
        for number, status in enumerate(("sent", "sent", "dead")):
            session.add(_delivery(f"incident/{incident.id}/{number}", "incident", status,
                                  opened + timedelta(minutes=2 + number), incident_id=incident.id))  # fmt: skip
        return incident.id


def _delivery(key: str, kind: str, status: str, at: object, **about: int) -> Delivery:
    return Delivery(dedupe_key=key, kind=kind, channel="email", audience="finance",
                    recipient_name="Anna", recipient_address=f"{key.replace('/', '.')}@example.com",
                    due_at=at, first_due_at=at, status=status,
                    sent_at=at if status == "sent" else None, created_at=at, updated_at=at, **about)  # type: ignore[arg-type]  # fmt: skip


def _what_people_heard_and_said(engine: Engine, occurrence_id: int, incident_id: int) -> None:
    heads_up = START - timedelta(days=2)
    with session_scope(engine) as session:
        for number in range(4):
            session.add(
                _delivery(
                    f"heads_up/{number}", "heads_up", "sent", heads_up, occurrence_id=occurrence_id
                )
            )
        session.add(
            _delivery("heads_up/dead", "heads_up", "dead", heads_up, occurrence_id=occurrence_id)
        )
        session.add(
            _delivery(
                "wrap_up/0",
                "wrap_up",
                "pending",
                END + timedelta(days=1),
                occurrence_id=occurrence_id,
            )
        )
        # One reader of the heads-up unsubscribed after it; one unsubscribed before it, not counted.
        session.add(
            Unsubscribe(
                audience="finance",
                recipient_address="heads_up.0@example.com",
                at=heads_up + timedelta(hours=1),
            )
        )
        session.add(
            Unsubscribe(
                audience="finance",
                recipient_address="heads_up.1@example.com",
                at=heads_up - timedelta(hours=1),
            )
        )
        for number, (answer, rating, comment) in enumerate((
            ("sorted", None, ""), ("problem", None, "Posting still slow"), ("rating", 4, "Good to know in advance"),
            ("rating", 5, ""),
        )):  # fmt: skip
            session.add(Feedback(dedupe_key=f"fb/{number}", audience="finance", recipient_address=f"r{number}@example.com",
                                 answer=answer, rating=rating, comment=comment, at=END + timedelta(hours=number),
                                 **({"incident_id": incident_id} if answer == "problem" else {"occurrence_id": occurrence_id})))  # fmt: skip
        for number, (system, period, at) in enumerate((
            (plain_name(0), "", START + timedelta(hours=3)),
            ("", "Month-end closing", START + timedelta(hours=4)),
            ("", "", START + timedelta(hours=5)),  # neither the period nor its systems
            (plain_name(1), "", START - timedelta(hours=5)),  # before the period
        )):  # fmt: skip
            session.add(ProblemReport(reference=f"CW-00000{number}", name="Anna", contact="anna@example.com",
                                      doing="Posting invoices", seen="It froze", since="9:00", system=system,
                                      critical_period=period, at=at))  # fmt: skip


@pytest.fixture
def month(engine: Engine) -> int:
    occurrence_id = generate_month(engine, systems=3)
    incident_id = _incident_with_its_story(engine)
    _what_people_heard_and_said(engine, occurrence_id, incident_id)
    return occurrence_id


def test_availability_and_latency_during_the_period_against_the_four_weeks_before(
    engine: Engine, month: int
) -> None:
    report = load_report(engine, month, now=NOW)
    assert report is not None and report.finished
    failing, steady, _third = report.systems
    assert failing.name == "sys-000" and failing.plain_name == plain_name(0)
    assert failing.during.availability_percent == 90.0
    assert failing.before.availability_percent == 100.0
    assert failing.during.checks_run == 5 * 24 * 60 and failing.during.down == 5 * 24 * 6
    assert failing.before.checks_run == 25 * 24 * 60  # the month holds 25 of the four weeks
    assert (failing.during.p95_ms, failing.before.p95_ms) == (300.0, 100.0)
    assert (steady.during.p95_ms, steady.before.p95_ms, steady.during.availability_percent) == (
        301.0,
        101.0,
        100.0,
    )
    # One point a day for the chart: 25 days before, 5 during; day 28 is the period's first.
    assert [day.index for day in failing.days] == list(range(3, 33))
    assert {day.availability_percent for day in failing.days if day.index >= 28} == {90.0}


def test_incidents_with_time_to_first_notice_and_to_fix_and_the_promises(
    engine: Engine, month: int
) -> None:
    report = load_report(engine, month, now=NOW)
    assert report is not None
    (incident,) = report.systems[0].incidents
    assert incident.what == "The system number 0 is not working as it should."
    assert incident.minutes_to_first_notice == 2.0
    assert incident.minutes_to_fix == 90.0  # resolved by IT, before the checks saw it recover
    assert (incident.promises_made, incident.kept_by_people, incident.kept_automatically) == (
        3,
        1,
        1,
    )
    assert (incident.notices_sent, incident.notices_failed) == (2, 1)
    assert report.systems[1].incidents == []


def test_notices_feedback_and_problem_reports_of_the_period(engine: Engine, month: int) -> None:
    report = load_report(engine, month, now=NOW)
    assert report is not None
    notices = report.notices
    assert (notices.sent, notices.failed, notices.pending, notices.unsubscribed) == (6, 2, 1, 1)
    assert notices.by_kind == {"heads_up": 4, "incident": 2}
    feedback = report.feedback
    assert (feedback.sorted, feedback.problem, feedback.ratings, feedback.average_rating) == (
        1,
        1,
        {4: 1, 5: 1},
        4.5,
    )
    assert [c.text for c in feedback.comments] == ["Posting still slow", "Good to know in advance"]
    assert [r.reference for r in report.systems[0].problem_reports] == ["CW-000000"]
    assert [r.reference for r in report.other_problem_reports] == ["CW-000001"]


def test_no_such_occurrence_has_no_report(engine: Engine) -> None:
    assert load_report(engine, 4711, now=NOW) is None


async def test_the_api_gives_json_csv_and_a_one_page_pdf(
    client: httpx.AsyncClient, viewer: dict[str, str], month: int
) -> None:
    answer = await client.get(f"/api/v1/reports/{month}", headers=viewer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["finished"] is True and body["title"] == "Month-end closing"
    first = body["systems"][0]
    assert first["during"]["availability_percent"] == 90.0 and first["before"]["p95_ms"] == 100.0
    assert first["incidents"][0]["minutes_to_fix"] == 90.0
    assert body["feedback"]["average_rating"] == 4.5

    sheet = await client.get(f"/api/v1/reports/{month}/report.csv", headers=viewer)
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [row["system"] for row in rows] == ["sys-000", "sys-001", "sys-002"]
    assert (
        rows[0]["availability_percent"] == "90" and rows[0]["availability_percent_before"] == "100"
    )
    assert rows[0]["median_minutes_to_first_notice"] == "2" and rows[0]["problem_reports"] == "1"

    pdf = await client.get(f"/api/v1/reports/{month}/report.pdf", headers=viewer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pages_in(pdf.content) == 1

    missing = await client.get("/api/v1/reports/4711", headers=viewer)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["field"] == "path.occurrence_id"
    assert (await client.get(f"/api/v1/reports/{month}")).status_code == 401


async def test_the_page_shows_the_figures_and_a_chart_per_system(
    client: httpx.AsyncClient, viewer: dict[str, str], month: int
) -> None:
    form = await client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    secret = viewer["Authorization"].removeprefix("Bearer ")
    assert (
        await client.post("/signin", data={"csrf": csrf.group(1), "token": secret})
    ).status_code == 303

    listed = await client.get("/reports")
    assert f'<a href="/reports/{month}">Month-end closing</a>' in listed.text
    page = await client.get(f"/reports/{month}")
    assert page.status_code == 200, page.text
    assert "Month-end closing: how it went" in page.text
    assert page.text.count('<svg class="days"') == 3
    assert "90.00 %" in page.text and "-10.00 points" in page.text
    assert "Good to know in advance" in page.text and "CW-000001" in page.text
    assert " style=" not in page.text and "<script" not in page.text
    pdf = await client.get(f"/reports/{month}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert (await client.get("/reports/4711")).status_code == 404
    assert (await client.get("/reports/x")).status_code == 404
