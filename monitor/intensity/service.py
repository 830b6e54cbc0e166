"""The current intensity index, rebuilt only when calendars or systems change.

The API and the scheduler share one :class:`IntensityService`. Before handing
out the index it compares a cheap data version (calendar and system counts and
last changes) with the one it was built from, so a change made by this process
or by another replica is seen without rebuilding on every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import Calendar, System
from monitor.intensity.load import Loaded, load_intensity
from monitor.metrics import IntensityState
from monitor.site import Site


class IntensityService:
    def __init__(self, engine: Engine, site: Site, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.site = site
        self.clock = clock
        self._loaded: Loaded | None = None
        self._version: tuple[Any, ...] | None = None
        self._lock = threading.Lock()

    def current(self, *, force: bool = False) -> Loaded:
        """The index for the data as it is now."""
        version = self._data_version()
        with self._lock:
            if force or self._loaded is None or version != self._version:
                now = self.clock()
                rules = self.site.ramp_rules(range(now.year - 1, now.year + 3))
                self._loaded = load_intensity(self.engine, rules, now=now)
                self._version = version
            return self._loaded

    def invalidate(self) -> None:
        """Something changed here: the next read rebuilds, whatever the data version says."""
        with self._lock:
            self._version = None

    @property
    def cached(self) -> Loaded | None:
        """The last index built, without asking the database (for scrapes)."""
        return self._loaded

    def state(self) -> IntensityState | None:
        """Levels and period states now, from the last index built (for a scrape)."""
        loaded = self._loaded
        if loaded is None:
            return None
        now = self.clock()
        levels = {
            system: int(segment.level) for system, segment in loaded.index.all_at(now).items()
        }
        return IntensityState(levels, [spans.state(now) for spans in loaded.periods])

    def _data_version(self) -> tuple[Any, ...]:
        with session_scope(self.engine) as session:
            calendars = session.execute(
                select(
                    func.count(col(Calendar.id)),
                    func.max(Calendar.updated_at),
                    func.max(Calendar.expanded_at),
                )
            ).one()
            systems = session.execute(
                select(func.count(col(System.id)), func.max(col(System.updated_at)))
            ).one()
        return (*calendars, *systems)
