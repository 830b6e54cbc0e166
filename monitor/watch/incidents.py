"""When a failing check becomes an incident, and when it is over.

Pure logic: the tracker sees each outcome with the threshold of the system's
level at that moment and says what changed. An incident opens when a check is
not up as many times in a row as the level allows (fewer at higher levels, so
problems are declared sooner), and closes on the first good result. Storing
and telling people is done elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from calendars import Level
from monitor.checks.base import Outcome, Status


@dataclass(frozen=True, slots=True)
class Change:
    """``opened``, ``failing`` (still failing, with a new message) or ``recovered``."""

    kind: str
    check_id: int
    at: datetime
    level: Level
    outcome: Outcome
    failures: int
    incident_id: int | None = None


@dataclass(slots=True)
class _Streak:
    failures: int = 0
    incident_id: int | None = None
    last_message: str = ""


@dataclass(slots=True)
class IncidentTracker:
    streaks: dict[int, _Streak] = field(default_factory=dict)

    def restore(self, check_id: int, incident_id: int) -> None:
        """An incident still open from before a restart: its next good result closes it."""
        self.streaks[check_id] = _Streak(failures=1, incident_id=incident_id)

    def opened(self, check_id: int, incident_id: int) -> None:
        self.streaks[check_id].incident_id = incident_id

    def forget(self, check_id: int) -> None:
        self.streaks.pop(check_id, None)

    def observe(
        self, check_id: int, outcome: Outcome, *, level: Level, threshold: int, at: datetime
    ) -> Change | None:
        streak = self.streaks.setdefault(check_id, _Streak())
        if outcome.status is Status.UP:
            had = streak.incident_id
            streak.failures, streak.incident_id, streak.last_message = 0, None, ""
            return (
                Change("recovered", check_id, at, level, outcome, 0, had)
                if had is not None
                else None
            )
        streak.failures += 1
        if streak.incident_id is None:
            if streak.failures >= threshold:
                streak.last_message = outcome.message
                return Change("opened", check_id, at, level, outcome, streak.failures)
            return None
        if outcome.message != streak.last_message:
            streak.last_message = outcome.message
            return Change(
                "failing", check_id, at, level, outcome, streak.failures, streak.incident_id
            )
        return None
