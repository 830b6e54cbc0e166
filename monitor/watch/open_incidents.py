"""The open incidents this replica knows of, counted in the ``incidents_open`` gauge.

Those the checks opened and those other monitoring reported (``external``) alike,
each with its system, level and, once told, the priority it was ranked.
"""

from __future__ import annotations

from collections.abc import Iterable

from calendars import Level
from monitor.metrics import Metrics

PRIORITY = {Level.CRITICAL: "p1", Level.HIGH: "p2", Level.ELEVATED: "p3", Level.NORMAL: "p4"}


class OpenIncidents:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.levels: dict[int, tuple[str, Level]] = {}  # incident: (system, level)
        self.priorities: dict[int, str] = {}  # as ranked when the incident was told
        self.external: set[int] = set()  # from other monitoring, not checks
        self._not_stored: set[int] = set()  # known here, not open in the last stored reading

    def __contains__(self, incident_id: int) -> bool:
        return incident_id in self.levels

    def opened(self, incident_id: int, system: str, level: Level) -> None:
        self.levels[incident_id] = (system, level)

    def closed(self, incident_id: int) -> None:
        self.levels.pop(incident_id, None)

    def follow(self, stored: Iterable[tuple[int, int | None, str, int]]) -> None:
        """Take the open incidents as stored (incident, check, system, level).

        Any may have ended on another replica: an alert reported resolved there, or
        an incident a person resolved through it. Incidents other monitoring opened
        drop out at once; those the checks opened here only when two readings in a
        row miss them, as one opened a moment ago may not be committed yet."""
        stored = list(stored)
        open_ids = {incident_id for incident_id, *_ in stored}
        for incident_id, _check_id, system, level in stored:
            self.levels[incident_id] = (system, Level(level))
        external = {incident_id for incident_id, check_id, *_ in stored if check_id is None}
        missing = set(self.levels) - open_ids
        for ended in (self.external - external) | (missing & self._not_stored):
            self.levels.pop(ended, None)
            self.priorities.pop(ended, None)
        self.external = external
        self._not_stored = missing
        self.publish()

    def elsewhere(
        self, kind: str, incident_id: int, system: str, level: Level, rank: str | None
    ) -> None:
        """An incident opened or recovered outside the checks (an alert from other monitoring)."""
        if kind == "opened":
            self.levels[incident_id] = (system, level)
            self.external.add(incident_id)
            if rank:
                self.priorities[incident_id] = rank
        else:
            self.levels.pop(incident_id, None)
            self.external.discard(incident_id)
        self.publish()

    def publish(self) -> None:
        self.metrics.incidents_open.clear()
        for incident_id, (system, level) in self.levels.items():
            rank = self.priorities.get(incident_id, PRIORITY[level])
            self.metrics.incidents_open.labels(system, level.label, rank).inc()
