"""What each intensity level means for the watching: the policy.

A level maps to how often checks run, how many failures in a row open an
incident, how slow an answer may be before it counts as degraded, and the
response time promised to users. The defaults below ship; the site file can
override any of them, globally and per system.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from calendars import Level


@dataclass(frozen=True, slots=True)
class LevelPolicy:
    interval: float  # seconds between checks
    failures: int  # consecutive failed checks that open an incident
    latency_budget: float  # seconds; slower answers count as degraded
    response_minutes: float  # how soon users are promised a first answer / next update

    def merged(self, overrides: Mapping[str, Any]) -> LevelPolicy:
        return replace(self, **dict(overrides))


# Each step up halves the time to notice: at critical, a dead system opens an
# incident after two checks 15 s apart.
DEFAULT_POLICY: Mapping[Level, LevelPolicy] = {
    Level.NORMAL: LevelPolicy(interval=300, failures=3, latency_budget=5.0, response_minutes=240),
    Level.ELEVATED: LevelPolicy(interval=120, failures=3, latency_budget=3.0, response_minutes=120),
    Level.HIGH: LevelPolicy(interval=60, failures=2, latency_budget=2.0, response_minutes=60),
    Level.CRITICAL: LevelPolicy(interval=15, failures=2, latency_budget=1.0, response_minutes=30),
}

Policy = Mapping[Level, LevelPolicy]

LONGEST_DURATION = 365 * 86400
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: str | float | int) -> float:
    """``"15s"``, ``"2m"``, ``"1.5h"``, ``500ms`` or a number of seconds → seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(min(value, LONGEST_DURATION + 1))  # an int past a float's range
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration (e.g. 30s, 5m, 1h)")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not seconds > 0:  # also NaN
        raise ValueError("a duration must be more than zero")
    if seconds > LONGEST_DURATION:  # also infinity: no interval or promise waits a year
        raise ValueError("too long: a duration is at most 365 days")
    return seconds


def combine(base: Policy, overrides: Mapping[Level, Mapping[str, Any]]) -> dict[Level, LevelPolicy]:
    """``base`` with the given fields replaced, level by level."""
    return {level: rule.merged(overrides.get(level, {})) for level, rule in base.items()}
