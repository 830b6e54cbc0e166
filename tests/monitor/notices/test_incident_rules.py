"""Who hears of an incident, and how urgent it is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from calendars import Level
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Incident, System
from monitor.notices.incidents import announce, priority
from monitor.site import load_site
from monitor.store.audiences import sync_site_audiences
from monitor.store.systems import sync_site

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("level", "people", "expected"),
    [(Level.CRITICAL, 3, "p1"), (Level.HIGH, 3, "p2"), (Level.HIGH, 120, "p1"), (Level.ELEVATED, 3, "p3"),
     (Level.ELEVATED, 50, "p2"), (Level.NORMAL, 500, "p4")],
)  # fmt: skip
def test_priority_follows_the_level_and_the_people_affected(
    level: Level, people: int, expected: str
) -> None:
    assert priority(level, people) == expected


def setup(engine: Engine, told_at_normal: str) -> int:
    site = load_site(f"""
systems: [{{name: billing, plain_name: the invoicing system}}]
audiences:
  - name: finance
    timezone: Europe/Berlin
    incidents_at_normal: {told_at_normal}
    concerns: {{systems: [billing]}}
    contact: {{name: Dana Weber, email: dana@example.com}}
    members: [{{name: Anna, email: anna@example.com}}, {{name: Ben, email: ben@example.com}}]
""")
    with session_scope(engine) as session:
        sync_site(session, site, now=NOW)
        sync_site_audiences(session, site, now=NOW)
        system_id = session.execute(select(System.id)).scalar_one()
        incident = Incident(
            system_id=system_id,
            status="open",
            level=0,
            title="billing/web: HTTP 500",
            opened_at=NOW,
        )
        session.add(incident)
        session.flush()
        return incident.id or 0


@pytest.mark.parametrize(
    ("told_at_normal", "recipients"),
    [
        ("contacts", ["dana@example.com"]),
        ("members", ["anna@example.com", "ben@example.com"]),
        ("none", []),
    ],
)
def test_outside_critical_periods_each_audience_says_who_hears(
    engine: Engine, told_at_normal: str, recipients: list[str]
) -> None:
    incident_id = setup(engine, told_at_normal)

    announce(
        engine, incident_id, level=Level.NORMAL, occurrence_ids=[], response_minutes=240, now=NOW
    )

    with session_scope(engine) as session:
        told = sorted(session.execute(select(Delivery.recipient_address)).scalars())
        stored = session.get(Incident, incident_id)
    assert told == recipients
    assert stored is not None and stored.priority == "p4"


def test_a_second_incident_within_minutes_is_the_same_conversation(engine: Engine) -> None:
    first = setup(engine, "members")
    with session_scope(engine) as session:
        second = Incident(system_id=session.get(Incident, first).system_id, status="open", level=2,  # type: ignore[union-attr]
                          title="billing/db: refused", opened_at=NOW)  # fmt: skip
        session.add(second)
        session.flush()
        second_id = second.id or 0

    announce(engine, first, level=Level.HIGH, occurrence_ids=[], response_minutes=60, now=NOW)
    announce(engine, second_id, level=Level.HIGH, occurrence_ids=[], response_minutes=60, now=NOW)

    with session_scope(engine) as session:
        told = session.execute(select(Delivery.incident_id)).scalars().all()
    assert set(told) == {first}  # the readers hear about the problem once
