"""Incidents, told the way users need: seen, when you'll hear more, and the fix confirmed.

- When an incident opens on a system above ``normal``, the audiences of the
  critical periods behind that level (and those whose ``concerns`` name the
  system) get an ``incident`` notice at once: what is affected, that IT is on
  it, who handles it, and when the next update comes. At ``normal`` only their
  IT contacts hear of it.
- Every notice promises the next update; :func:`keep_promises` sends an
  ``update`` on its own when the time comes with nothing new posted, and tells
  the IT contact that a promised update was due.
- IT posts updates and the resolution (:func:`post_update`, :func:`resolve`);
  a recovery the checks see resolves with a plain default sentence.
- Several incidents within minutes are one conversation: an audience told of
  another incident in the last :data:`GROUP_MINUTES` is not told again, and no
  audience gets more than :data:`MAX_PER_HOUR` incident notices an hour.

Deliveries go into the outbox like every notice; the outbox worker sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, distinct, func, insert, select
from sqlmodel import col

from calendars import Level
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Incident, IncidentEvent, Occurrence, PeriodTarget, System
from monitor.notices.wording import CARRY_ON, NOT_WORKING, WORKING_AGAIN, default_words
from monitor.site import AudienceSpec
from monitor.store.audiences import audience_specs
from monitor.store.outbox import PENDING

INCIDENT, UPDATE, RESOLVED = "incident", "update", "resolved"
INCIDENT_KINDS = (INCIDENT, UPDATE, RESOLVED)
GROUP_MINUTES = 10
MAX_PER_HOUR = 6
QUIET_BEFORE_CONFIRMED = timedelta(hours=2)
MANY_PEOPLE = 50  # affecting this many raises an incident's priority one step


def priority(level: Level, people: int) -> str:
    """p1 to p4 from the level and how many people it affects: what Alertmanager routes by.

    A critical period is p1; high is p2, and p1 when many people are affected;
    elevated p3 (p2 with many); normal p4.
    """
    rank = {Level.CRITICAL: 1, Level.HIGH: 2, Level.ELEVATED: 3, Level.NORMAL: 4}[level]
    if people >= MANY_PEOPLE and level > Level.NORMAL:
        rank = max(1, rank - 1)
    return f"p{rank}"


@dataclass(frozen=True, slots=True)
class Recipient:
    audience: str
    name: str
    channel: str
    address: str


def announce(
    engine: Engine,
    incident_id: int,
    *,
    level: Level,
    occurrence_ids: Iterable[int],
    response_minutes: float,
    now: datetime,
) -> int:
    """Tell the concerned audiences that ``incident_id`` opened; the deliveries enqueued."""
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return 0
        system, plain_name = session.execute(
            select(col(System.name), col(System.plain_name)).where(
                col(System.id) == incident.system_id
            )
        ).one()
        audiences = _concerned(session, system, list(occurrence_ids))
        recipients = []
        for audience in audiences:
            if _recently_told(session, audience.name, incident_id, now):
                _event(
                    session,
                    incident_id,
                    now,
                    "grouped",
                    f"{audience.name} already hears about a related problem",
                )
                continue
            told_at_normal = audience.incidents_at_normal
            if level == Level.NORMAL and told_at_normal == "none":
                continue
            if level == Level.NORMAL and told_at_normal == "contacts":  # outside periods IT is told
                if audience.contact.email:
                    recipients.append(
                        Recipient(
                            audience.name, audience.contact.name, "email", audience.contact.email
                        )
                    )
                continue
            recipients.extend(_members(audience))
        incident.public_line = incident.public_line or default_words(NOT_WORKING, system=plain_name)
        incident.handler = incident.handler or (audiences[0].contact.name if audiences else "")
        incident.next_update_at = now + timedelta(minutes=response_minutes)
        incident.priority = priority(level, len({r.address for r in recipients}))
        session.add(incident)
        _enqueue(session, INCIDENT, incident, recipients, now, tag="")
        if recipients:
            _event(session, incident_id, now, "announced", f"told {len(recipients)} recipients",
                   next_update=incident.next_update_at)  # fmt: skip
        return len(recipients)


def post_update(
    engine: Engine,
    incident_id: int,
    *,
    message: str,
    next_update: timedelta,
    now: datetime,
    automatic: bool = False,
) -> int:
    """An update to everyone told of the incident, with the next promised time."""
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise LookupError(f"no incident {incident_id}")
        incident.public_line = message
        incident.next_update_at = now + next_update
        session.add(incident)
        event = _event(session, incident_id, now, "auto_update" if automatic else "update", message,
                       next_update=incident.next_update_at)  # fmt: skip
        return _enqueue(
            session, UPDATE, incident, _told(session, incident_id), now, tag=str(event.id)
        )


def resolve(
    engine: Engine, incident_id: int, *, summary: str, what_you_can_do: str = "", now: datetime
) -> int:
    """The resolved notice: what was wrong, what to do now, and whether it works again."""
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise LookupError(f"no incident {incident_id}")
        if incident.resolved_at is not None:
            return 0
        incident.summary = summary
        incident.what_you_can_do = what_you_can_do
        incident.resolved_at = now
        incident.next_update_at = None
        session.add(incident)
        _event(session, incident_id, now, "resolved", summary)
        return _enqueue(session, RESOLVED, incident, _told(session, incident_id), now, tag="")


def resolve_recovered(engine: Engine, incident_id: int, *, now: datetime) -> int:
    """Checks see the system well again: resolve in plain words unless IT already did."""
    with session_scope(engine) as session:
        found = session.execute(
            select(col(Incident.resolved_at), col(System.plain_name))
            .join(System, col(System.id) == col(Incident.system_id)).where(col(Incident.id) == incident_id)
        ).first()  # fmt: skip
        if found is None or found[0] is not None or not _told(session, incident_id):
            return 0
        plain_name = found[1]
    return resolve(engine, incident_id, summary=default_words(WORKING_AGAIN, system=plain_name),
                   what_you_can_do=default_words(CARRY_ON), now=now)  # fmt: skip


def priority_of(engine: Engine, incident_id: int) -> str | None:
    with session_scope(engine) as session:
        return session.execute(
            select(col(Incident.priority)).where(col(Incident.id) == incident_id)
        ).scalar_one_or_none()


def due_promises(engine: Engine, *, now: datetime) -> list[int]:
    """Open, unresolved incidents whose promised update time has come."""
    with session_scope(engine) as session:
        return list(session.execute(
            select(col(Incident.id)).where(
                col(Incident.next_update_at).is_not(None), col(Incident.next_update_at) <= now,
                col(Incident.resolved_at).is_(None),
            )
        ).scalars())  # fmt: skip


def enqueue_overdue(engine: Engine, incident_id: int, *, now: datetime) -> None:
    """Tell the incident's IT contacts that a promised update came due with nothing posted."""
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return
        audiences = {r.audience for r in _told(session, incident_id)}
        contacts = [
            Recipient(spec.name, spec.contact.name, "email", spec.contact.email)
            for spec in audience_specs(session)
            if spec.name in audiences and spec.contact.email
        ]
        stamp = now.strftime("%Y%m%dT%H%M%S")
        _enqueue(session, "overdue", incident, contacts, now, tag=stamp)


def confirm_quiet(engine: Engine, *, now: datetime) -> int:
    """Resolved incidents nobody complained about for a while count as confirmed."""
    with session_scope(engine) as session:
        quiet = session.execute(
            select(Incident).where(
                col(Incident.resolved_at).is_not(None), col(Incident.confirmed_at).is_(None),
                col(Incident.resolved_at) < now - QUIET_BEFORE_CONFIRMED,
            )
        ).scalars().all()  # fmt: skip
        for incident in quiet:
            incident.confirmed_at = now
            session.add(incident)
            _event(session, incident.id or 0, now, "confirmed", "no reader reported a problem")
        return len(quiet)


def still_a_problem(session: Any, incident_id: int, now: datetime, reader: str) -> None:
    """A reader says the fix did not work: flag the incident (the handler is told by the feedback alert)."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        return
    incident.confirmed_at = None
    session.add(incident)
    _event(session, incident_id, now, "still_a_problem", f"{reader} says it is still a problem")


def confirmed_by_reader(session: Any, incident_id: int, now: datetime) -> None:
    incident = session.get(Incident, incident_id)
    if incident is not None and incident.resolved_at is not None and incident.confirmed_at is None:
        incident.confirmed_at = now
        session.add(incident)
        _event(session, incident_id, now, "confirmed", "a reader says it works again")


# -- who hears of it ------------------------------------------------------------------------------


def _concerned(session: Any, system: str, occurrence_ids: list[int]) -> list[AudienceSpec]:
    """Audiences of the periods behind the level, and those whose concerns name the system."""
    named: set[str] = set()
    categories: set[str] = set()
    if occurrence_ids:
        rows = session.execute(
            select(col(Occurrence.category), col(PeriodTarget.name))
            .join(PeriodTarget, (col(PeriodTarget.period_id) == col(Occurrence.period_id)) & (col(PeriodTarget.kind) == "audience"), isouter=True)
            .where(col(Occurrence.id).in_(occurrence_ids))
        ).all()  # fmt: skip
        for category, audience in rows:
            categories.add(category)
            if audience:
                named.add(audience)
    return [
        spec for spec in audience_specs(session)
        if spec.name in named or system in spec.concerns.systems or categories & set(spec.concerns.categories)
    ]  # fmt: skip


def _members(audience: AudienceSpec) -> list[Recipient]:
    found = []
    for member in audience.members:
        for channel in audience.channels:
            address = member.chat if channel == "chat" else member.email
            if address:
                found.append(Recipient(audience.name, member.name, channel, address))
    return found


def _told(session: Any, incident_id: int) -> list[Recipient]:
    """Everyone the incident notice went to (or is going to)."""
    rows = session.execute(
        select(col(Delivery.audience), col(Delivery.recipient_name), col(Delivery.channel), col(Delivery.recipient_address))
        .where(col(Delivery.incident_id) == incident_id, col(Delivery.kind) == INCIDENT)
    ).all()  # fmt: skip
    return [Recipient(*row) for row in rows]


def _recently_told(session: Any, audience: str, incident_id: int, now: datetime) -> bool:
    """Whether this audience already hears about another problem: one conversation, not a flood."""
    others = (
        (col(Delivery.audience) == audience)
        & (col(Delivery.kind) == INCIDENT)
        & (col(Delivery.incident_id) != incident_id)
    )
    this_hour = session.execute(
        select(func.count(distinct(col(Delivery.incident_id)))).where(others, col(Delivery.created_at) >= now - timedelta(hours=1))
    ).scalar_one()  # fmt: skip
    if this_hour >= MAX_PER_HOUR:
        return True
    related = session.execute(
        select(col(Delivery.id)).join(Incident, col(Incident.id) == col(Delivery.incident_id))
        .where(others, col(Delivery.created_at) >= now - timedelta(minutes=GROUP_MINUTES), col(Incident.resolved_at).is_(None))
        .limit(1)
    ).first()  # fmt: skip
    return related is not None


def _enqueue(
    session: Any,
    kind: str,
    incident: Incident,
    recipients: list[Recipient],
    now: datetime,
    *,
    tag: str,
) -> int:
    notice = "/".join(part for part in (kind, str(incident.id), tag) if part)
    rows = [
        {"dedupe_key": f"{notice}/{r.audience}/{r.channel}/{r.address}", "kind": kind, "channel": r.channel,
         "audience": r.audience, "recipient_name": r.name, "recipient_address": r.address,
         "incident_id": incident.id, "due_at": now, "first_due_at": now, "status": PENDING,
         "created_at": now, "updated_at": now}
        for r in {(r.audience, r.channel, r.address): r for r in recipients}.values()
    ]  # fmt: skip
    existing = set(session.execute(
        select(col(Delivery.dedupe_key)).where(col(Delivery.dedupe_key).in_([row["dedupe_key"] for row in rows]))
    ).scalars()) if rows else set()  # fmt: skip
    rows = [row for row in rows if row["dedupe_key"] not in existing]
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)


def _event(
    session: Any, incident_id: int, now: datetime, kind: str, message: str, **data: Any
) -> IncidentEvent:
    event = IncidentEvent(incident_id=incident_id, at=now, kind=kind, message=message,
                          data={key: value.isoformat() if isinstance(value, datetime) else value
                                for key, value in data.items()})  # fmt: skip
    session.add(event)
    session.flush()
    return event


# The same audiences and outbox rows for messages about an incident to IT (monitor.alerts.details).
concerned_audiences = _concerned
enqueue = _enqueue
