"""The settings that reading a calendar needs, and nothing else.

``closewatch calendar preview`` only reads: it needs the default zone, the
horizon and the limits of one job. It loads these alone, from the same
``CLOSEWATCH_*`` variables, without Pydantic: pydantic-settings, which
:class:`~monitor.settings.Settings` is built on, takes 0.2 to 0.3 s of CPU to
import, more than the command line's whole start-up budget of 0.3 s.
Settings declares, documents and constrains each of them too; a test keeps
the defaults and the bounds here the same as there.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "CLOSEWATCH_"


class SettingProblem(ValueError):
    """A variable that cannot be used, named as the user sets it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"setting {ENV_PREFIX}{field.upper()}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Bounds:
    """Where a number may lie: at least ``ge``, above ``gt``, at most ``le``."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    def problem(self, value: float) -> str | None:
        if self.ge is not None and value < self.ge:
            return f"must be at least {self.ge:g}"
        if self.gt is not None and value <= self.gt:
            return f"must be more than {self.gt:g}"
        if self.le is not None and value > self.le:
            return f"must be at most {self.le:g}"
        return None


@dataclass(frozen=True, slots=True)
class ReadingSettings:
    timezone: str = "UTC"
    horizon_past_days: int = 31
    horizon_future_days: int = 400
    max_occurrences_per_series: int = 1000
    max_occurrences_per_upload: int = 100_000
    job_seconds: float = 120.0
    job_workers: int = 2
    job_memory_mb: int = 1024

    @classmethod
    def from_environment(cls) -> Self:
        """These settings as the service reads them: names without regard to case; a bad
        value is a SettingProblem naming its variable."""
        environment = {name.upper(): value for name, value in os.environ.items()}
        given: dict[str, Any] = {}  # each value of its field's type, as _value converts it
        for field in dataclasses.fields(cls):
            text = environment.get(ENV_PREFIX + field.name.upper())
            if text is not None:
                given[field.name] = _value(field.name, text, type(field.default))
        return dataclasses.replace(cls(), **given)


# The bounds Settings puts on these fields (its Field(ge=..., gt=..., le=...)).
BOUNDS = {
    "horizon_past_days": Bounds(ge=0),
    "horizon_future_days": Bounds(ge=1),
    "max_occurrences_per_series": Bounds(ge=1),
    "max_occurrences_per_upload": Bounds(ge=1),
    "job_seconds": Bounds(gt=0),
    "job_workers": Bounds(ge=1, le=32),
    "job_memory_mb": Bounds(ge=256),
}


def _value(field: str, text: str, kind: type) -> str | int | float:
    if kind is str:
        if field == "timezone" and not is_zone(text):
            raise SettingProblem(field, f"unknown time zone {text!r}")
        return text
    try:
        value: int | float = kind(text.strip())
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise SettingProblem(field, f"{text!r} is not {noun}") from None
    problem = BOUNDS[field].problem(value)
    if problem:
        raise SettingProblem(field, problem)
    return value


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        return False
    return True
