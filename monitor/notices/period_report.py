"""The critical-period report for an audience's IT contact, sent with the wrap-up.

Readers get their short wrap-up; their IT contact gets the same wrap-up, a line
saying where the report is, and the report attached as a one-page PDF and a CSV
with every system (``multipart/mixed``). Planned with the wrap-up
(:mod:`monitor.notices.plan`), once per contact.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from markupsafe import escape

from monitor.notices.plan import PERIOD_REPORT, WRAP_UP
from monitor.report.service import attachments_of, load_report, report_pages
from notifiers.message import Message
from notifiers.outbox import Claim

if TYPE_CHECKING:
    from monitor.notices.compose import Composer

SUBJECT_WIDTH = 78  # what a phone shows whole


def period_report_message(composer: Composer, claim: Claim) -> Message | None:
    """The wrap-up as the contact's readers get it, with the report attached; None when
    the wrap-up would not go out (the occurrence or the audience is gone)."""
    wrap_up = composer.compose(dataclasses.replace(claim, kind=WRAP_UP))
    audience = composer.audience(claim.audience)
    if wrap_up is None or audience is None or claim.occurrence_id is None:
        return None
    report = load_report(composer.engine, claim.occurrence_id, now=composer.clock())
    if report is None:
        return None
    attachments = attachments_of(
        composer.settings, report_pages(), report, ZoneInfo(audience.timezone)
    )
    online = f"{composer.public_url}/reports/{report.occurrence_id}"
    note = (
        f"For IT: how {report.title} went, system by system, is attached (a one-page PDF, "
        f"and a CSV with every system). Online: {online}"
    )
    html = wrap_up.html
    if html is not None:
        paragraph = f'<p style="margin:16px;font-family:sans-serif;">{escape(note)}</p>'
        html = after_body(html, paragraph) if "<body" in html else paragraph + html
    return dataclasses.replace(
        wrap_up, kind=PERIOD_REPORT, subject=fit(f"Report: {wrap_up.subject}"),
        text=f"{note}\n\nWhat your readers received:\n\n{wrap_up.text}", html=html,
        attachments=attachments,
    )  # fmt: skip


def after_body(html: str, paragraph: str) -> str:
    """``paragraph`` as the first thing inside ``<body ...>``."""
    start = html.index("<body")
    end = html.index(">", start) + 1
    return html[:end] + paragraph + html[end:]


def fit(subject: str, width: int = SUBJECT_WIDTH) -> str:
    """The subject, cut at a word with an ellipsis when a phone would cut it."""
    if len(subject) <= width:
        return subject
    return subject[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"
