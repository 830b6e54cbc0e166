"""The systems part of the site file: each system, its checks, and how intensity behaves."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator

from calendars import Level
from monitor.alerts.matchers import MAX_MATCHERS, AlertMatcher
from monitor.checks.specs import CheckSpec, technical_name
from monitor.fields import Language, at_most
from monitor.intensity.policy import parse_duration
from monitor.intensity.ramps import DEFAULT_RAMP, Ramp
from monitor.site.base import Strict

LEVEL_NAMES = tuple(level.label for level in Level)


class LevelOverride(Strict):
    interval: float | None = Field(None, description="Between checks, e.g. 30s or 5m.")
    failures: int | None = Field(None, ge=1, le=100)
    latency_budget: float | None = None
    response: float | None = Field(None, description="Response promised to users, e.g. 30m.")

    @field_validator("interval", "latency_budget", "response", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    def fields(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("interval", "failures", "latency_budget")
            if getattr(self, name) is not None
        }
        if self.response is not None:
            found["response_minutes"] = self.response / 60
        return found


class PolicyOverride(Strict):
    normal: LevelOverride | None = None
    elevated: LevelOverride | None = None
    high: LevelOverride | None = None
    critical: LevelOverride | None = None

    def by_level(self) -> dict[Level, dict[str, Any]]:
        return {
            level: override.fields() for level in Level if (override := getattr(self, level.label))
        }


class RampSpec(Strict):
    before_working_days: int = Field(DEFAULT_RAMP.before_working_days, ge=0, le=20)
    after_days: int = Field(DEFAULT_RAMP.after_days, ge=0, le=30)
    level: str = DEFAULT_RAMP.level.label

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        return Level.parse(value).label

    def ramp(self) -> Ramp:
        return Ramp(self.before_working_days, self.after_days, Level.parse(self.level))


class SystemSpec(Strict):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"description"})

    name: str = Field(max_length=200)
    plain_name: str = Field(min_length=1, max_length=200, description="What users call it.")
    plain_names: dict[Language, Annotated[str, Field(min_length=1), at_most(200)]] = Field(
        default_factory=dict,
        max_length=50,
        description="What users call it in other languages: {de: das Rechnungssystem}; "
        "readers in a language not listed read plain_name.",
    )
    owner_team: Annotated[str, at_most(200)] = ""
    description: str = ""
    policy: PolicyOverride | None = None
    checks: tuple[CheckSpec, ...] = ()
    alerts: tuple[AlertMatcher, ...] = Field(
        (),
        max_length=MAX_MATCHERS,
        description="Alerts (Alertmanager, Grafana) that concern this system besides those "
        "labelled closewatch_system: each entry maps label names to values, all of which must "
        "match exactly.",
    )

    _name = field_validator("name")(technical_name)
