"""What the dashboard, the system page and the live numbers say about each system's watching:
its level and why, how often it is checked now against normally, and each check's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from calendars import Level
from monitor.api.state import AppState
from monitor.db.models import System
from monitor.intensity.timeline import IntensityIndex, Segment
from monitor.store.systems import checks_of
from monitor.watch.health import CheckHealth, checks_health

RAISED_LOOKBACK = timedelta(days=400)  # a raised stretch longer than this is counted from here


@dataclass(frozen=True, slots=True)
class SystemWatch:
    name: str
    plain_name: str
    managed_by: str
    level: str
    segment: Segment
    interval_now: float
    interval_normal: float
    budget_ms: float
    checks: list[CheckHealth]

    period_start: datetime | None  # since when the level has been above normal, without a break

    @property
    def state(self) -> str:
        """The worst state among the checks: what the system's card leads with."""
        states = {c.state for c in self.checks}
        for worst in ("down", "degraded", "up"):
            if worst in states:
                return worst
        return "unknown"

    @property
    def interval_text(self) -> str:
        now, normal = every(self.interval_now), every(self.interval_normal)
        if self.interval_now == self.interval_normal:
            return f"checked {now}, as normally"
        return f"checked {now} now; {normal} normally"


def every(seconds: float) -> str:
    """``every 15 s``, ``every 5 min``, ``every 1.5 h``."""
    if seconds < 60:
        return f"every {seconds:g} s"
    if seconds < 3600:
        return f"every {seconds / 60:g} min"
    return f"every {seconds / 3600:g} h"


def percent(value: float | None) -> str:
    """``99.8 %``; ``100 %`` only when nothing failed; a dash before the first result."""
    if value is None:
        return "no results yet"
    if value < 100 and f"{value:.1f}" == "100.0":
        return "99.9 %"
    return f"{value:.1f} %".replace(".0 %", " %")


def watch_systems(state: AppState, session: Any, now: datetime) -> list[SystemWatch]:
    """Every watched system, by name; its checks' health read for all of them at once."""
    systems = list(session.execute(select(System).order_by(col(System.name))).scalars())
    return _watch(state, session, systems, now)


def watch_system(state: AppState, session: Any, name: str, now: datetime) -> SystemWatch | None:
    """One system, with its checks' answer times over 24 hours as well."""
    system = session.execute(select(System).where(col(System.name) == name)).scalar_one_or_none()
    if system is None:
        return None
    (found,) = _watch(state, session, [system], now, answer_times=True)
    return found


def raised_since(index: IntensityIndex, name: str, now: datetime) -> datetime:
    """The start of the raised stretch ``now`` is in: a ramp, the period and its wind-down
    count as one, so availability "over this period" covers all the closer watching."""
    segments = index.between(name, now - RAISED_LOOKBACK, now + timedelta(seconds=1))
    start = now
    for segment in reversed(segments):
        if segment.level == Level.NORMAL:
            break
        start = segment.start
    return start


def _watch(
    state: AppState,
    session: Any,
    systems: list[System],
    now: datetime,
    *,
    answer_times: bool = False,
) -> list[SystemWatch]:
    index = state.intensity.current().index
    checks = checks_of(session, [s.id or 0 for s in systems])
    segments = {s.name: index.at(s.name, now) for s in systems}
    starts = {s.name: raised_since(index, s.name, now) if segments[s.name].level > Level.NORMAL else None
              for s in systems}  # fmt: skip
    every_check = [c for s in systems for c in checks.get(s.id or 0, [])]
    health = iter(checks_health(
        session, every_check, now=now, answer_times=answer_times,
        period_starts={c.id or 0: starts[s.name] for s in systems for c in checks.get(s.id or 0, [])},
    ))  # fmt: skip
    found = []
    for system in systems:
        segment, policy = segments[system.name], state.site.system_policy(system.policy)
        found.append(SystemWatch(
            name=system.name, plain_name=system.plain_name, managed_by=system.managed_by,
            level=segment.level.label, segment=segment, period_start=starts[system.name],
            interval_now=policy[segment.level].interval, interval_normal=policy[Level.NORMAL].interval,
            budget_ms=policy[segment.level].latency_budget * 1000,
            checks=[next(health) for _check in checks.get(system.id or 0, [])],
        ))  # fmt: skip
    return found
