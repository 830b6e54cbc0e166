"""What a notice reports, read from the database and put in the reader's words.

How the systems of an occurrence did (checks, failures, the problems and their fixes),
the work an incident holds up (the periods around it), and the systems' names in the
reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from monitor.db.models import Check, CheckResult, Incident, Occurrence, PeriodTarget, System
from monitor.notices.wording import PROBLEM, default_words, plain_name_in

# An incident holds up the work of the periods running when it opened, or starting within
# a ramp's reach (a week), or that ended the day before (their ramp still runs).
WORK_AHEAD, WORK_BEHIND = timedelta(days=7), timedelta(days=1)


def status_between(
    session: Any, systems: list[str], since: datetime, until: datetime
) -> dict[str, Any]:
    """How the systems did between ``since`` and ``until``: checks, failures, problems and fixes."""
    checks_run = checks_failed = 0
    if systems and until > since:
        counts = session.execute(
            select(col(CheckResult.status), func.count())
            .join(Check, col(Check.id) == col(CheckResult.check_id))
            .join(System, col(System.id) == col(Check.system_id))
            .where(col(System.name).in_(systems), col(CheckResult.at) >= since, col(CheckResult.at) < until)
            .group_by(CheckResult.status)
        ).all()  # fmt: skip
        checks_run = sum(count for _status, count in counts)
        checks_failed = sum(count for status, count in counts if status != "up")
    problems = []
    if systems:
        incidents = session.execute(
            select(Incident, col(System.plain_name), col(System.plain_names))
            .join(System, col(System.id) == col(Incident.system_id))
            .where(col(System.name).in_(systems), col(Incident.opened_at) >= since, col(Incident.opened_at) < until)
            .order_by(col(Incident.opened_at))
        ).all()  # fmt: skip
        for incident, plain_name, plain_names in incidents:
            fixed = incident.closed_at
            minutes = round((fixed - incident.opened_at).total_seconds() / 60) if fixed else None
            # The incident's own title is for IT ("sap-fi/web: HTTP 500"); readers get plain words,
            # in their language (see status_in).
            problems.append({"system": plain_name, "plain_names": plain_names, "what": default_words(PROBLEM),
                             "started": incident.opened_at, "fixed": fixed, "minutes_to_fix": minutes})  # fmt: skip
    availability = (
        100.0 if not checks_run else round(100 * (checks_run - checks_failed) / checks_run, 1)
    )
    return {"checks_run": checks_run, "checks_failed": checks_failed, "problems": problems,
            "availability_percent": availability}  # fmt: skip


def name_in(system: Mapping[str, Any], language: str) -> str:
    return plain_name_in(system["plain_name"], system.get("plain_names") or {}, language)


def status_in(status: dict[str, Any], language: str) -> dict[str, Any]:
    """How the systems did, in the reader's words: each problem's system and what went wrong."""
    if not status.get("problems"):
        return status
    problems = [
        {
            "system": plain_name_in(problem["system"], problem["plain_names"] or {}, language),
            "what": default_words(PROBLEM, language=language),
            **{key: problem[key] for key in ("started", "fixed", "minutes_to_fix")},
        }
        for problem in status["problems"]
    ]
    return {**status, "problems": problems}


def work_behind(session: Any, system: str, at: datetime) -> list[str]:
    """The categories of the periods of ``system`` around ``at``, above normal: the work an
    incident opened then holds up."""
    return list(
        session.execute(
            select(col(Occurrence.category))
            .join(PeriodTarget, col(PeriodTarget.period_id) == col(Occurrence.period_id))
            .where(
                col(PeriodTarget.kind) == "system",
                col(PeriodTarget.name) == system,
                col(Occurrence.start) <= at + WORK_AHEAD,
                col(Occurrence.end) > at - WORK_BEHIND,
                col(Occurrence.level) > 0,  # Level.NORMAL
            )
            .order_by(col(Occurrence.start))
        ).scalars()
    )
