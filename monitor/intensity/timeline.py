"""Each system's level over time, built once, looked up by bisection.

A system's level at time t is the highest level among the occurrences that
concern it, each widened by its category's ramp (see :mod:`ramps`). The index
sweeps every system's contributions once into a sorted list of segments, so
"every system's level now" is one bisection per system, and the next instant
any level changes is known in advance (the scheduler sets one job for it).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from calendars import Level
from calendars.workdays import WorkingDays
from monitor.intensity.ramps import DEFAULT_RAMP, Ramp, widen

FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class OccurrenceInput:
    """What the index needs of a stored occurrence."""

    id: int
    title: str
    category: str
    level: Level
    start: datetime
    end: datetime
    systems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cause:
    """An occurrence raising a system's level, and whether in its ramp or itself."""

    occurrence_id: int
    title: str
    category: str
    phase: str  # "before", "during" or "after"
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Segment:
    start: datetime
    end: datetime
    level: Level
    causes: tuple[Cause, ...] = ()


NORMAL_ALWAYS = Segment(FAR_PAST, FAR_FUTURE, Level.NORMAL)


@dataclass(slots=True)
class SystemTimeline:
    """Consecutive segments covering all time, and the instants the level changes."""

    segments: list[Segment]
    starts: list[datetime] = field(init=False)
    changes: list[datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.starts = [segment.start for segment in self.segments]
        self.changes = [
            later.start
            for earlier, later in zip(self.segments, self.segments[1:], strict=False)
            if later.level != earlier.level
        ]

    def at(self, when: datetime) -> Segment:
        return self.segments[bisect.bisect_right(self.starts, when) - 1]

    def next_change(self, after: datetime) -> datetime | None:
        index = bisect.bisect_right(self.changes, after)
        return self.changes[index] if index < len(self.changes) else None

    def between(self, start: datetime, end: datetime) -> list[Segment]:
        """Segments overlapping ``[start, end)``, neighbours of equal level merged, clipped."""
        first = bisect.bisect_right(self.starts, start) - 1
        merged: list[Segment] = []
        for segment in self.segments[first:]:
            if segment.start >= end:
                break
            clipped = Segment(
                max(segment.start, start), min(segment.end, end), segment.level, segment.causes
            )
            if merged and merged[-1].level == clipped.level:
                previous = merged.pop()
                causes = tuple(dict.fromkeys(previous.causes + clipped.causes))
                clipped = Segment(previous.start, clipped.end, clipped.level, causes)
            merged.append(clipped)
        return merged


@dataclass(frozen=True, slots=True)
class RampRules:
    """How ramps count working days: the site's zone and working days."""

    zone: tzinfo
    workdays: WorkingDays = field(default_factory=WorkingDays)
    ramps: Mapping[str, Ramp] = field(default_factory=dict)

    def ramp(self, category: str) -> Ramp:
        return self.ramps.get(category, self.ramps.get("default", DEFAULT_RAMP))


class IntensityIndex:
    """Levels of every system at every time, from the occurrences that concern them."""

    def __init__(
        self, timelines: dict[str, SystemTimeline], built_at: datetime | None = None
    ) -> None:
        self.timelines = timelines
        self.built_at = built_at
        changes = sorted({change for timeline in timelines.values() for change in timeline.changes})
        self._changes = changes

    @classmethod
    def build(
        cls,
        occurrences: Iterable[OccurrenceInput],
        rules: RampRules,
        *,
        systems: Iterable[str] = (),
    ) -> IntensityIndex:
        contributions: dict[str, list[tuple[datetime, datetime, Level, Cause]]] = defaultdict(list)
        for system in systems:
            contributions[system]  # every known system gets a timeline, if only "normal"
        ramp_start = _ramp_start_cache(rules)
        for occurrence in occurrences:
            if not occurrence.systems:
                continue
            ramp = rules.ramp(occurrence.category)
            widened = widen(
                occurrence.start,
                occurrence.end,
                occurrence.level,
                ramp,
                rules.workdays,
                rules.zone,
                ramp_start,
            )
            parts = (
                ("before", widened.ramp_start, widened.start, widened.ramp_level),
                ("during", widened.start, widened.end, widened.level),
                ("after", widened.end, widened.ramp_end, widened.ramp_level),
            )
            for phase, start, end, level in parts:
                if end <= start or level == Level.NORMAL:
                    continue
                cause = Cause(
                    occurrence.id,
                    occurrence.title,
                    occurrence.category,
                    phase,
                    occurrence.start,
                    occurrence.end,
                )
                for system in occurrence.systems:
                    contributions[system].append((start, end, level, cause))
        return cls(
            {system: SystemTimeline(_sweep(parts)) for system, parts in contributions.items()}
        )

    def at(self, system: str, when: datetime) -> Segment:
        timeline = self.timelines.get(system)
        return timeline.at(when) if timeline else NORMAL_ALWAYS

    def all_at(self, when: datetime) -> dict[str, Segment]:
        return {system: timeline.at(when) for system, timeline in self.timelines.items()}

    def next_change(self, after: datetime) -> datetime | None:
        """The next instant any system's level changes."""
        index = bisect.bisect_right(self._changes, after)
        return self._changes[index] if index < len(self._changes) else None

    def between(self, system: str, start: datetime, end: datetime) -> list[Segment]:
        timeline = self.timelines.get(system)
        if timeline is None:
            return [Segment(start, end, Level.NORMAL)]
        return timeline.between(start, end)


def _sweep(parts: list[tuple[datetime, datetime, Level, Cause]]) -> list[Segment]:
    """Consecutive segments from overlapping contributions: the highest level wins."""
    if not parts:
        return [NORMAL_ALWAYS]
    edges = sorted({moment for start, end, _level, _cause in parts for moment in (start, end)})
    by_start = sorted(parts, key=lambda part: part[0])
    active: list[tuple[datetime, int, tuple[datetime, datetime, Level, Cause]]] = []  # heap by end
    segments = [Segment(FAR_PAST, edges[0], Level.NORMAL)]
    next_part = 0
    for left, right in itertools.pairwise(edges):
        while next_part < len(by_start) and by_start[next_part][0] <= left:
            part = by_start[next_part]
            heapq.heappush(active, (part[1], next_part, part))
            next_part += 1
        while active and active[0][0] <= left:
            heapq.heappop(active)
        causes: tuple[Cause, ...]
        if not active:
            level, causes = Level.NORMAL, ()
        else:
            level = max(part[2] for _end, _n, part in active)
            found = dict.fromkeys(part[3] for _end, _n, part in active if part[2] == level)
            causes = tuple(sorted(found, key=lambda cause: (cause.start, cause.occurrence_id)))
        segments.append(Segment(left, right, level, causes))
    segments.append(Segment(edges[-1], FAR_FUTURE, Level.NORMAL))
    return segments


def _ramp_start_cache(rules: RampRules) -> Callable[[date, int], date]:
    """Many occurrences start on the same day: count working days once per day."""
    return lru_cache(maxsize=4096)(rules.workdays.step)
