"""A user's problem report, as the message the helpdesk receives.

Plain text only: whatever the reporter typed is passed on as they typed it and
never as markup. Replies reach the reporter when they left an email address.
"""

from __future__ import annotations

import re
from datetime import datetime

from monitor.db.models import ProblemReport
from notifiers.message import Message

REPORT = "report"  # a problem report sent on to the helpdesk

# Only a plain address goes into the Reply-To header; anything else stays in the body.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def report_subject(report: ProblemReport) -> str:
    system = report.system or "no system named"
    period = report.critical_period or "no critical period"
    return f"Problem report {report.reference}: {system} — {period}"


def report_text(report: ProblemReport) -> str:
    lines = [f"{report.name} reported a problem ({report.reference}).", ""]
    if report.critical_period:
        lines += [f"It came in during {report.critical_period}: please handle it first.", ""]
    lines += [
        f"System: {report.system or 'not named'}",
        "",
        "What were you doing?",
        report.doing,
        "",
        "What did you see?",
        report.seen,
        "",
        "Since when?",
        report.since,
        "",
        f"Who: {report.name}",
        f"How to reach them: {report.contact}",
        f"Sent: {report.at:%Y-%m-%d %H:%M} UTC",
    ]
    return "\n".join(lines)


def report_message(
    report: ProblemReport,
    helpdesk_address: str,
    *,
    written_at: datetime,
    dedupe_key: str | None = None,
) -> Message:
    """The helpdesk's message for ``report``, sent to ``helpdesk_address``."""
    contact = report.contact.strip()
    return Message(
        dedupe_key=dedupe_key or f"{REPORT}/{report.id}",
        kind=REPORT,
        recipient_name="Helpdesk",
        recipient_address=helpdesk_address,
        subject=report_subject(report),
        text=report_text(report),
        written_at=written_at,
        sender_name="closewatch",
        reply_to=contact if _EMAIL.fullmatch(contact) else None,
    )
