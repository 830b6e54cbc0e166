"""What the watching routes return: systems, their levels, the timeline, incidents.

Instants are ISO 8601 in UTC ending in ``Z``; levels are their labels
(``normal`` ... ``critical``); durations are seconds unless the name says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from calendars import Level
from monitor.api.schemas import Instant
from monitor.db.models import Check, CheckResult, Incident, IncidentEvent, System
from monitor.intensity.policy import LevelPolicy
from monitor.intensity.timeline import Cause, Segment
from monitor.site import Site


class CauseOut(BaseModel):
    """An occurrence raising the level: in its ramp (``before``/``after``) or itself (``during``)."""

    occurrence_id: int
    title: str
    category: str
    phase: str
    start: Instant
    end: Instant

    @classmethod
    def of(cls, cause: Cause) -> CauseOut:
        return cls.model_validate(cause, from_attributes=True)


class PolicyOut(BaseModel):
    """How the system is watched at its level."""

    interval_seconds: float
    failures: int
    latency_budget_seconds: float
    response_minutes: float

    @classmethod
    def of(cls, rule: LevelPolicy) -> PolicyOut:
        return cls(
            interval_seconds=rule.interval,
            failures=rule.failures,
            latency_budget_seconds=rule.latency_budget,
            response_minutes=rule.response_minutes,
        )


class SystemLevelOut(BaseModel):
    """A system's level at one instant, why, and what that means for the watching.

    ``managed_by`` is ``site`` or ``api`` for a watched system, and null for one
    only named by a calendar (``plain_name`` and ``owner_team`` are null then too).
    """

    name: str
    plain_name: str | None
    owner_team: str | None
    managed_by: str | None
    level: str
    causes: list[CauseOut]
    policy: PolicyOut

    @classmethod
    def fields_of(
        cls, name: str, system: System | None, segment: Segment, site: Site
    ) -> dict[str, Any]:
        policy = site.system_policy(system.policy if system else {})
        return {
            "name": name,
            "plain_name": system.plain_name if system else None,
            "owner_team": system.owner_team if system else None,
            "managed_by": system.managed_by if system else None,
            "level": segment.level.label,
            "causes": [CauseOut.of(cause) for cause in segment.causes],
            "policy": PolicyOut.of(policy[segment.level]),
        }

    @classmethod
    def of(cls, name: str, system: System | None, segment: Segment, site: Site) -> SystemLevelOut:
        return cls(**cls.fields_of(name, system, segment, site))


class IntensityOut(BaseModel):
    at: Instant
    systems: list[SystemLevelOut]


class LastResultOut(BaseModel):
    status: str
    at: Instant
    duration_ms: float
    message: str

    @classmethod
    def of(cls, result: CheckResult) -> LastResultOut:
        return cls.model_validate(result, from_attributes=True)


class CheckOut(BaseModel):
    name: str
    kind: str
    spec: dict[str, Any]
    last_result: LastResultOut | None

    @classmethod
    def of(cls, check: Check, last: CheckResult | None) -> CheckOut:
        return cls(
            name=check.name,
            kind=check.kind,
            spec=check.spec,
            last_result=LastResultOut.of(last) if last else None,
        )


class SystemOut(SystemLevelOut):
    """A watched system: its level now, its checks with their last results, open incidents."""

    plain_name: str
    plain_names: dict[str, str]
    owner_team: str
    managed_by: str
    description: str
    checks: list[CheckOut]
    alerts: list[dict[str, str]] = Field(
        description="Label matchers of alerts from other monitoring that concern it."
    )
    open_incidents: int

    @classmethod
    def of_system(
        cls,
        system: System,
        checks: Iterable[Check],
        latest: Mapping[int, CheckResult],
        open_incidents: int,
        segment: Segment,
        site: Site,
    ) -> SystemOut:
        return cls(
            **cls.fields_of(system.name, system, segment, site),
            description=system.description,
            plain_names=system.plain_names,
            checks=[CheckOut.of(check, latest.get(check.id or 0)) for check in checks],
            alerts=list(system.alerts),
            open_incidents=open_incidents,
        )


class SegmentOut(BaseModel):
    """``[start, end)`` at one level; neighbours of equal level are merged."""

    start: Instant
    end: Instant
    level: str
    causes: list[CauseOut]

    @classmethod
    def of(cls, segment: Segment) -> SegmentOut:
        return cls(
            start=segment.start,
            end=segment.end,
            level=Level(segment.level).label,
            causes=[CauseOut.of(cause) for cause in segment.causes],
        )


class SystemTimelineOut(BaseModel):
    name: str
    plain_name: str | None
    segments: list[SegmentOut]


class TimelineOut(BaseModel):
    start: Instant = Field(serialization_alias="from")
    end: Instant = Field(serialization_alias="to")
    systems: list[SystemTimelineOut]


class IncidentEventOut(BaseModel):
    at: Instant
    kind: str
    message: str

    @classmethod
    def of(cls, event: IncidentEvent) -> IncidentEventOut:
        return cls(at=event.at, kind=event.kind, message=event.message)


class IncidentOut(BaseModel):
    id: int
    system: str
    check: str | None
    status: str
    level: str
    priority: str
    title: str
    opened_at: Instant
    closed_at: Instant | None
    next_update_at: Instant | None
    events: list[IncidentEventOut]

    @classmethod
    def of(
        cls,
        incident: Incident,
        system: str,
        check: str | None,
        events: Iterable[IncidentEvent],
    ) -> IncidentOut:
        return cls(
            id=incident.id or 0,
            system=system,
            check=check,
            status=incident.status,
            level=Level(incident.level).label,
            priority=incident.priority,
            title=incident.title,
            opened_at=incident.opened_at,
            closed_at=incident.closed_at,
            next_update_at=incident.next_update_at,
            events=[IncidentEventOut.of(event) for event in events],
        )
