"""The IT contact gets the report with the wrap-up; readers keep their short wrap-up."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Engine, insert, select

from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Occurrence, PeriodTarget
from monitor.notices.compose import Composer
from monitor.notices.plan import PERIOD_REPORT, WRAP_UP, plan_notices
from monitor.paths import templates_dir
from monitor.settings import Settings
from monitor.site import load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.outbox import DatabaseOutbox
from notifiers.channels.file import FileChannel
from notifiers.outbox import OutboxWorker
from notifiers.render import NoticeRenderer
from tests.conftest import NOW
from tests.monitor.notices.test_plan import BAVARIA, audience, local, occurrence
from tests.monitor.report.month import generate_month
from tests.monitor.report.test_period_report import pages_in

SITE = load_site("""
audiences:
  - name: finance
    timezone: Europe/Berlin
    language: en
    contact: {name: Dana Weber, email: dana@example.com}
    members: [{name: Anna Schmidt, email: anna@example.com}]
""")


def test_the_report_is_planned_for_each_contact_once_with_the_wrap_up() -> None:
    close = occurrence(
        local("2026-11-27T00:00"), local("2026-12-03T00:00"), audiences=("finance", "payroll")
    )
    signed_twice = [audience(), audience(name="payroll")]  # Dana signs for both
    no_contact_email = audience(name="payroll", contact={"name": "Dana Weber"})

    planned = plan_notices(
        [close], signed_twice, now=local("2026-11-20T12:00"), until=local("2027-01-01T00:00")
    )
    alone = plan_notices(
        [close], [no_contact_email], now=local("2026-11-20T12:00"), until=local("2027-01-01T00:00")
    )

    reports = {p.dedupe_key: p for p in planned if p.kind == PERIOD_REPORT}
    wrap_up = next(p for p in planned if p.kind == WRAP_UP)
    assert [p.recipient_address for p in reports.values()] == ["dana@example.com"]
    (report,) = reports.values()
    assert report.due_at == wrap_up.due_at and report.occurrence_id == close.id
    assert not any(p.kind == PERIOD_REPORT for p in alone)
    assert BAVARIA.is_working_day(report.due_at.astimezone(audience().zone).date())


def _eml(folder: Path, address: str) -> EmailMessage:
    for path in folder.glob("*.eml"):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(parsed["To"]):
            return parsed  # type: ignore[return-value]
    raise AssertionError(f"no message to {address}")


async def test_the_contact_gets_the_wrap_up_with_the_pdf_and_csv_attached(
    engine: Engine, settings: Settings
) -> None:
    occurrence_id = generate_month(engine, systems=2)
    with session_scope(engine) as session:
        sync_site_audiences(session, SITE, now=NOW)
        period_id = session.execute(
            select(Occurrence.period_id).where(Occurrence.id == occurrence_id)
        ).scalar_one()
        session.add(PeriodTarget(period_id=period_id, kind="audience", name="finance"))
        session.execute(insert(Delivery), [
            {"dedupe_key": f"{kind}/{occurrence_id}/finance/email/{address}", "kind": kind, "channel": "email",
             "audience": "finance", "recipient_name": name, "recipient_address": address,
             "occurrence_id": occurrence_id, "due_at": NOW, "first_due_at": NOW, "created_at": NOW, "updated_at": NOW}
            for kind, name, address in ((WRAP_UP, "Anna Schmidt", "anna@example.com"),
                                        (PERIOD_REPORT, "Dana Weber", "dana@example.com"))
        ])  # fmt: skip
    folder = settings.data_dir / "outbox"
    composer = Composer(
        engine, settings, NoticeRenderer(templates_dir() / "notices"), clock=lambda: NOW
    )
    worker = OutboxWorker(
        DatabaseOutbox(engine), composer, {"email": FileChannel(folder)}, clock=lambda: NOW
    )

    assert await worker.drain() == 2

    reader, contact = _eml(folder, "anna@example.com"), _eml(folder, "dana@example.com")
    assert reader.get_content_type() == "multipart/alternative"
    assert not list(reader.iter_attachments())
    assert contact.get_content_type() == "multipart/mixed"
    assert str(contact["Subject"]).startswith("Report: ") and len(str(contact["Subject"])) <= 78
    body = contact.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"/reports/{occurrence_id}" in text and "What your readers received:" in text
    attachments = {part.get_filename(): part for part in contact.iter_attachments()}
    assert set(attachments) == {
        f"closewatch-report-{occurrence_id}.pdf",
        f"closewatch-report-{occurrence_id}.csv",
    }
    pdf = attachments[f"closewatch-report-{occurrence_id}.pdf"]
    assert pdf.get_content_type() == "application/pdf"
    assert pages_in(pdf.get_content()) == 1
    sheet = attachments[f"closewatch-report-{occurrence_id}.csv"].get_content()
    assert sheet.splitlines()[1].startswith("sys-000,the system number 0,90,100,")
    with session_scope(engine) as session:
        statuses = set(session.execute(select(Delivery.status)).scalars())
    assert statuses == {"sent"}
