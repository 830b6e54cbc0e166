"""Telling the audiences concerned about an approved maintenance window, ahead of time.

An audience is concerned when its ``concerns`` name the system or a period that
names the system names the audience. Each member hears on their channels at the
audience's local time, as many working days before the window as their heads-up
(``heads_up.working_days_before``), or at the next allowed moment when that has
passed, as long as the window has not ended. The email carries the window as an
``.ics`` file to add to a calendar. Cancelling the window withdraws what has not
gone out yet.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from icalendar import Calendar, Event
from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from calendars.text import without_unwanted
from monitor.db.models import Delivery, MaintenanceWindow, PeriodTarget, System
from monitor.notices.from_contact import from_contact
from monitor.notices.plan import AudiencePlan, _addresses, _at_local_time, next_allowed
from monitor.site import AudienceSpec, Site
from monitor.store.audiences import audience_specs
from monitor.store.outbox import PENDING, WITHDRAWN
from notifiers.kinds import MAINTENANCE
from notifiers.message import Attachment, Message
from notifiers.outbox import Claim

if TYPE_CHECKING:
    from monitor.notices.compose import Composer

PRODID = "-//closewatch//maintenance//EN"


def concerned(session: Session, specs: list[AudienceSpec], system: str) -> list[AudienceSpec]:
    """The audiences whose concerns name ``system``, or named by a period that names it."""
    periods = select(col(PeriodTarget.period_id)).where(
        col(PeriodTarget.kind) == "system", col(PeriodTarget.name) == system
    )
    named = set(
        session.execute(
            select(col(PeriodTarget.name)).where(
                col(PeriodTarget.kind) == "audience", col(PeriodTarget.period_id).in_(periods)
            )
        ).scalars()
    )
    return [spec for spec in specs if spec.name in named or system in spec.concerns.systems]


def announce_window(
    session: Session, site: Site, window: MaintenanceWindow, *, now: datetime
) -> int:
    """Queue the announcement of ``window`` for every member concerned; how many."""
    assert window.id is not None
    rows = []
    years = range(now.year - 1, now.year + 3)
    for spec in concerned(session, audience_specs(session), window.system):
        audience = AudiencePlan(
            spec, (spec.working_days or site.spec.working_days).working_days(years)
        )
        due = _due(window, audience, now)
        if due >= window.end:
            continue
        for member in spec.members:
            for channel, address in _addresses(member, spec.channels):
                rows.append({
                    "dedupe_key": f"{MAINTENANCE}/{window.id}/{spec.name}/{channel}/{address}",
                    "kind": MAINTENANCE, "channel": channel, "audience": spec.name,
                    "recipient_name": member.name, "recipient_address": address,
                    "due_at": due, "first_due_at": due, "status": PENDING, "created_at": now, "updated_at": now,
                })  # fmt: skip
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)


def _due(window: MaintenanceWindow, audience: AudiencePlan, now: datetime) -> datetime:
    days_before = audience.spec.heads_up.working_days_before
    first_day = window.start.astimezone(audience.zone).date()
    day = audience.workdays.step(first_day, -days_before) if days_before else first_day
    due = next_allowed(_at_local_time(day, audience), audience)
    return due if due >= now else next_allowed(now, audience)


def withdraw_announcements(session: Session, window_id: int, *, now: datetime) -> int:
    done = session.execute(
        update(Delivery)
        .where(col(Delivery.dedupe_key).startswith(f"{MAINTENANCE}/{window_id}/"), col(Delivery.status) == PENDING)
        .values(status=WITHDRAWN, updated_at=now, last_error="the maintenance window was cancelled")
    )  # fmt: skip
    return int(done.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult; SQLModel types it as Result


def window_ics(window: MaintenanceWindow, plain_name: str) -> bytes:
    """The window as a calendar entry (``METHOD:PUBLISH``): add it, no answer expected."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", "PUBLISH")
    event = Event()
    event.add("UID", window_uid(window))
    event.add("DTSTAMP", window.created_at.astimezone(UTC))
    event.add("DTSTART", window.start.astimezone(UTC))
    event.add("DTEND", window.end.astimezone(UTC))
    event.add("SUMMARY", without_unwanted(f"Maintenance: {plain_name}"))
    event.add("DESCRIPTION", without_unwanted(window.reason))
    event.add("CATEGORIES", ["maintenance"])
    event.add("TRANSP", "TRANSPARENT")  # the reader is not busy; the system is
    event.add("X-CLOSEWATCH-SYSTEMS", window.system)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def window_uid(window: MaintenanceWindow) -> str:
    digest = hashlib.sha256(
        f"maintenance\x00{window.id}\x00{window.created_at.isoformat()}".encode()
    )
    return f"{digest.hexdigest()[:32]}@closewatch"


def maintenance_message(composer: Composer, claim: Claim) -> Message | None:
    """The announcement for one reader; None when the window was cancelled or has ended."""
    from monitor.db.engine import session_scope
    from monitor.notices.shared import Shared

    window_id = int(claim.dedupe_key.split("/")[1])
    audience = composer.audience(claim.audience)
    if audience is None or composer.unsubscribed(claim):
        return None
    with session_scope(composer.engine) as session:
        found = session.execute(
            select(MaintenanceWindow, col(System.plain_name), col(System.plain_names))
            .outerjoin(System, col(System.name) == col(MaintenanceWindow.system))
            .where(col(MaintenanceWindow.id) == window_id)
        ).first()  # fmt: skip
    if found is None or found[0].end <= composer.clock():
        return None
    window, plain_name, plain_names = found[0], found[1] or found[0].system, found[2] or {}
    shared = Shared(
        period={"title": window.reason, "category": "custom", "level": 0},
        occurrence={"start": window.start, "end": window.end},
        systems=[{"name": window.system, "plain_name": plain_name, "plain_names": plain_names}],
        status={},
    )  # fmt: skip
    unsubscribe = composer.links.unsubscribe(audience.name, claim.recipient_address)
    context = composer.context(claim, audience, shared, unsubscribe)
    context["maintenance"] = {"start": window.start, "end": window.end, "reason": window.reason}
    context["links"].update(feedback_sorted="", feedback_problem="", feedback_rating="")
    rendered = composer.renderer.render(
        MAINTENANCE, context, lang=audience.language, audience=audience.name
    )
    invite = Attachment(
        "maintenance.ics",
        "text/calendar; method=PUBLISH; charset=utf-8",
        window_ics(window, plain_name),
    )
    return from_contact(
        claim, rendered, audience.contact, unsubscribe=unsubscribe, written_at=composer.clock(),
        attachments=(invite,) if claim.channel == "email" else (),
    )  # fmt: skip
