"""The site file as a whole, and the :class:`Site` that follows from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from calendars import Category, Level
from calendars.rules import WorkingDaysSpec
from monitor.fields import STORED, known_zone
from monitor.intensity.policy import DEFAULT_POLICY, LevelPolicy, Policy, combine
from monitor.intensity.ramps import DEFAULT_RAMPS, Ramp
from monitor.intensity.timeline import RampRules
from monitor.site.audiences import (
    AudienceSpec,
    Subscribers,
)
from monitor.site.base import Strict
from monitor.site.systems import PolicyOverride, RampSpec, SystemSpec


class SiteFile(Strict):
    timezone: str | None = None
    working_days: WorkingDaysSpec = WorkingDaysSpec()
    policy: PolicyOverride | None = None
    ramps: dict[str, RampSpec] = Field(default_factory=dict)
    systems: tuple[SystemSpec, ...] = ()
    audiences: tuple[AudienceSpec, ...] = ()
    subscribers: Subscribers | None = None

    _known_zone = field_validator("timezone")(known_zone)

    @field_validator("ramps")
    @classmethod
    def _known_categories(cls, value: dict[str, RampSpec]) -> dict[str, RampSpec]:
        known = {category.value for category in Category} | {"default"}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(
                f"unknown category {unknown[0]!r} (expected default or one of {', '.join(sorted(known - {'default'}))})"
            )
        return value


@dataclass(frozen=True, slots=True)
class Site:
    """A validated site file and what follows from it."""

    spec: SiteFile
    default_timezone: str

    @property
    def policy(self) -> Policy:
        return combine(DEFAULT_POLICY, self.spec.policy.by_level() if self.spec.policy else {})

    def system_policy(self, overrides: dict[str, Any]) -> dict[Level, LevelPolicy]:
        """The site policy with a system's own overrides (as stored: a PolicyOverride's fields)."""
        if not overrides:
            return dict(self.policy)
        stored = PolicyOverride.model_validate(overrides, context=STORED)
        return combine(self.policy, stored.by_level())

    def ramp_rules(self, years: range) -> RampRules:
        workdays = self.spec.working_days.working_days(years)
        ramps: dict[str, Ramp] = {category.value: ramp for category, ramp in DEFAULT_RAMPS.items()}
        ramps.update({name: ramp.ramp() for name, ramp in self.spec.ramps.items()})
        return RampRules(ZoneInfo(self.spec.timezone or self.default_timezone), workdays, ramps)


EMPTY_SITE = SiteFile()
