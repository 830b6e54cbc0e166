"""Planning a maintenance window: refused when it collides with a critical period.

A window collides when the system's level anywhere inside it is above
``normal``: during an occurrence that names the system, or in the ramp before or
after one. The refusal lists each colliding period with its dates. An admin may
approve it anyway with a reason; the reason and the collisions are stored with
the window. During an approved window the system's failures still open
incidents for IT, but nobody else is told (:func:`in_maintenance`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlmodel import Session, col

from calendars import Level
from monitor.db.models import MaintenanceWindow, System
from monitor.intensity.timeline import IntensityIndex

LONGEST = timedelta(days=14)  # a window longer than this is a project, not maintenance
PHASE_WORDS = {
    "before": "its ramp before",
    "during": "the period itself",
    "after": "its ramp after",
}


@dataclass(frozen=True, slots=True)
class Collision:
    """A critical period the window overlaps, and in which of its phases."""

    occurrence_id: int
    title: str
    start: datetime
    end: datetime
    phases: tuple[str, ...]

    def described(self, zone: tzinfo) -> str:
        """'Month-end closing (Fri 27 Nov 00:00 to Wed 2 Dec 00:00, Europe/Berlin; overlaps the
        period itself)'."""
        start, end = self.start.astimezone(zone), self.end.astimezone(zone)
        where = " and ".join(PHASE_WORDS.get(phase, phase) for phase in self.phases)
        return (
            f"{self.title} ({start:%a} {start.day} {start:%b %H:%M} to {end:%a} {end.day} "
            f"{end:%b %H:%M}, {zone}; overlaps {where})"
        )


@dataclass(slots=True)
class WindowRequest:
    system: str
    start: datetime
    end: datetime
    reason: str
    override_reason: str = ""
    created_by: str = ""


class MaintenanceRefused(Exception):
    """The window cannot be planned as asked; ``field`` names what to change."""

    def __init__(self, message: str, *, field: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


class Collides(MaintenanceRefused):
    def __init__(self, system: str, collisions: list[Collision], zone: tzinfo) -> None:
        self.collisions = collisions
        self.described = [collision.described(zone) for collision in collisions]
        super().__init__(
            f"the window collides with critical periods of {system}: {'; '.join(self.described)}. "
            "Choose another time, or have an admin approve it with an override reason",
            field="start", status=409,
        )  # fmt: skip


@dataclass(slots=True)
class Planned:
    window: MaintenanceWindow
    collisions: list[str] = field(default_factory=list)  # overridden ones


def collisions(
    index: IntensityIndex, system: str, start: datetime, end: datetime
) -> list[Collision]:
    """The periods whose occurrence or ramp raises ``system`` above normal within ``[start, end)``."""
    found: dict[int, Collision] = {}
    for segment in index.between(system, start, end):
        if segment.level <= Level.NORMAL or segment.end <= start or segment.start >= end:
            continue
        for cause in segment.causes:
            known = found.get(cause.occurrence_id)
            phases = known.phases if known else ()
            if cause.phase not in phases:
                phases = tuple(sorted({*phases, cause.phase}, key=list(PHASE_WORDS).index))
            found[cause.occurrence_id] = Collision(
                cause.occurrence_id, cause.title, cause.start, cause.end, phases
            )
    return sorted(found.values(), key=lambda collision: (collision.start, collision.occurrence_id))


def plan_window(
    session: Session, index: IntensityIndex, request: WindowRequest, *, may_override: bool,
    now: datetime, zone: tzinfo,
) -> Planned:  # fmt: skip
    """Store the window, or raise :class:`MaintenanceRefused` (:class:`Collides`) saying why."""
    if request.end <= request.start:
        raise MaintenanceRefused("the window must end after it starts", field="end")
    if request.end <= now:
        raise MaintenanceRefused(
            "the window is over already: plan one that ends in the future", field="end"
        )
    if request.end - request.start > LONGEST:
        raise MaintenanceRefused(f"a window is at most {LONGEST.days} days long", field="end")
    if not request.reason.strip():
        raise MaintenanceRefused(
            "say why: the reason is shown to the people affected", field="reason"
        )
    if (
        session.execute(select(col(System.id)).where(col(System.name) == request.system)).first()
        is None
    ):
        raise MaintenanceRefused(f"no system named {request.system!r}", field="system", status=404)
    found = collisions(index, request.system, request.start, request.end)
    override = request.override_reason.strip()
    if found and not override:
        raise Collides(request.system, found, zone)
    if override and not may_override:
        raise MaintenanceRefused(
            "only an admin may override a collision", field="override_reason", status=403
        )
    described = [collision.described(zone) for collision in found]
    window = MaintenanceWindow(
        system=request.system, start=request.start, end=request.end, reason=request.reason.strip(),
        override_reason=override if found else "", collisions=described,
        created_by=request.created_by, created_at=now,
    )  # fmt: skip
    session.add(window)
    session.flush()
    return Planned(window, described)


def list_windows(
    session: Session, *, system: str | None = None, ending_after: datetime | None = None
) -> list[MaintenanceWindow]:
    query = select(MaintenanceWindow).order_by(
        col(MaintenanceWindow.start), col(MaintenanceWindow.id)
    )
    if system is not None:
        query = query.where(col(MaintenanceWindow.system) == system)
    if ending_after is not None:
        query = query.where(col(MaintenanceWindow.end) > ending_after)
    return list(session.execute(query).scalars())


def in_maintenance(session: Session, system: str, at: datetime) -> MaintenanceWindow | None:
    """The approved window ``system`` is in at ``at``, if any."""
    return session.execute(
        select(MaintenanceWindow).where(
            col(MaintenanceWindow.system) == system, col(MaintenanceWindow.start) <= at,
            col(MaintenanceWindow.end) > at,
        ).limit(1)
    ).scalar_one_or_none()  # fmt: skip
