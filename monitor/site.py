"""The site file: the systems to watch, their checks, and how intensity behaves.

```yaml
timezone: Europe/Berlin             # for ramps counted in working days
working_days: {country: DE, subdivision: BY}
policy:                             # overrides of the default policy, per level
  critical: {interval: 10s, failures: 2, latency_budget: 800ms, response: 20m}
ramps:                              # per category, or "default"
  default: {before_working_days: 2, after_days: 1, level: elevated}
systems:
  - name: sap-fi
    plain_name: the finance and invoicing system
    plain_names: {de: das Finanz- und Rechnungssystem}
    owner_team: ERP
    policy: {high: {interval: 30s}}
    checks:
      - {name: web, kind: http, url: "https://sap.example.com/health"}
      - {name: db, kind: tcp, host: db.example.com, port: 5432}
    alerts:                         # alerts from Alertmanager or Grafana that concern it
      - {job: sap-fi}               # every label given must match exactly
      - {instance: "sap-db.example.com:9100"}
```

Unknown keys are errors. :func:`check_site` reports every problem with its
line, so ``closewatch config check`` can list them all at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from calendars import Category, Level
from calendars.rules import WorkingDaysSpec
from calendars.workdays import public_holidays
from calendars.yamldoc import Document, DocumentError, Problem, first_problem, load_document
from monitor.alerts.matchers import MAX_MATCHERS, AlertMatcher
from monitor.checks.specs import CheckSpec, technical_name
from monitor.fields import STORED, Checked, Email, Language, at_most, email_domain, is_stored
from monitor.intensity.policy import DEFAULT_POLICY, LevelPolicy, Policy, combine, parse_duration
from monitor.intensity.ramps import DEFAULT_RAMP, DEFAULT_RAMPS, Ramp
from monitor.intensity.timeline import RampRules

LEVEL_NAMES = tuple(level.label for level in Level)
HOLIDAY_PROBE_YEAR = 2026


class _Strict(Checked):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelOverride(_Strict):
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


class PolicyOverride(_Strict):
    normal: LevelOverride | None = None
    elevated: LevelOverride | None = None
    high: LevelOverride | None = None
    critical: LevelOverride | None = None

    def by_level(self) -> dict[Level, dict[str, Any]]:
        return {
            level: override.fields() for level in Level if (override := getattr(self, level.label))
        }


class RampSpec(_Strict):
    before_working_days: int = Field(DEFAULT_RAMP.before_working_days, ge=0, le=20)
    after_days: int = Field(DEFAULT_RAMP.after_days, ge=0, le=30)
    level: str = DEFAULT_RAMP.level.label

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        return Level.parse(value).label

    def ramp(self) -> Ramp:
        return Ramp(self.before_working_days, self.after_days, Level.parse(self.level))


class SystemSpec(_Strict):
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


CHANNELS = ("email", "chat", "file")
_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class Contact(_Strict):
    """The IT person who signs an audience's notices and answers them."""

    name: str = Field(min_length=1, max_length=200)
    email: Annotated[Email, at_most(320)] = ""
    phone: Annotated[str, at_most(100)] = ""
    chat: Annotated[str, at_most(500)] = ""


class Member(_Strict):
    name: str = Field(min_length=1, max_length=200)
    email: Annotated[Email, at_most(320)] = ""
    chat: Annotated[str, at_most(500)] = Field(
        "", description="An Apprise URL that reaches this person, e.g. a Teams or Matrix hook."
    )

    @model_validator(mode="after")
    def _reachable(self) -> Member:
        if not (self.email or self.chat):
            raise ValueError("a member needs an email or a chat address")
        return self


class QuietHours(_Strict):
    start: str = Field(pattern=_CLOCK, description="HH:MM local: no notices from here ...")
    end: str = Field(pattern=_CLOCK, description="... until here (may be the next morning).")


class HeadsUp(_Strict):
    working_days_before: int = Field(2, ge=0, le=20)
    by_category: dict[str, Annotated[int, Field(ge=0, le=20)]] = Field(default_factory=dict)

    @field_validator("by_category")
    @classmethod
    def _known_categories(cls, value: dict[str, int]) -> dict[str, int]:
        known = {category.value for category in Category}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown category {unknown[0]!r} (expected one of {', '.join(sorted(known))})")  # fmt: skip
        return value


class Concerns(_Strict):
    """Periods that concern an audience besides those naming it."""

    categories: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()


class AudienceSpec(_Strict):
    name: str = Field(max_length=200)
    label: Annotated[str, at_most(200)] = Field(
        "",
        description="What its members call the group, shown on public pages: the finance team. "
        "Without one, those pages name no group.",
    )
    timezone: str
    language: Language = Field("en", description="A language Babel knows: en, de, fr, de-CH ...")
    local_time: str = Field(
        "09:00", pattern=_CLOCK, description="When planned notices go out, local."
    )
    quiet_hours: QuietHours | None = None
    working_days: WorkingDaysSpec | None = None
    channels: tuple[str, ...] = ("email",)
    heads_up: HeadsUp = HeadsUp()
    daily_status: bool = False
    wrap_up: bool = True
    incidents_at_normal: Literal["contacts", "members", "none"] = Field(
        "contacts",
        description="Who hears of an incident outside critical periods: the IT contact by default.",
    )
    contact: Contact
    members: tuple[Member, ...] = ()
    concerns: Concerns = Concerns()

    _name = field_validator("name")(technical_name)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("working_days")
    @classmethod
    def _known_holidays(
        cls, value: WorkingDaysSpec | None, info: ValidationInfo
    ) -> WorkingDaysSpec | None:
        if value is not None and not is_stored(info):
            value.working_days([HOLIDAY_PROBE_YEAR])  # any year tells whether the country exists
        return value

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(CHANNELS))
        if unknown or not value:
            raise ValueError(f"channels are some of {', '.join(CHANNELS)}")
        return value


class Subscribers(_Strict):
    """People may ask for notices on the status page: from which email domains, signed by whom."""

    email_domains: tuple[Annotated[str, AfterValidator(email_domain)], ...] = Field(
        min_length=1, description="Addresses in these domains may ask, e.g. [example.com]."
    )
    contact: Contact
    languages: tuple[Language, ...] = Field(("en", "de"), min_length=1)


class SiteFile(_Strict):
    timezone: str | None = None
    working_days: WorkingDaysSpec = WorkingDaysSpec()
    policy: PolicyOverride | None = None
    ramps: dict[str, RampSpec] = Field(default_factory=dict)
    systems: tuple[SystemSpec, ...] = ()
    audiences: tuple[AudienceSpec, ...] = ()
    subscribers: Subscribers | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (
                ZoneInfoNotFoundError,
                ValueError,
                OSError,
            ):  # OSError: a name too long for a path
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

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


def check_site(text: str) -> tuple[SiteFile | None, list[Problem]]:
    """The site file, or every problem found in it, each with its line."""
    try:
        document = load_document(text)
    except DocumentError as exc:
        return None, [Problem((), str(exc), exc.line)]
    if document.data is None:
        return EMPTY_SITE, []
    if not isinstance(document.data, dict):
        return None, [Problem((), "the site file is a mapping (systems, policy, ramps ...)", 1)]
    try:
        site = SiteFile.model_validate(document.data)
    except ValidationError as error:
        return None, _all_problems(error, document)
    problems = (
        _duplicates(site, document)
        + _audience_duplicates(site, document)
        + _holiday_problems(site, document)
    )
    return (None, problems) if problems else (site, [])


def load_site(text: str) -> SiteFile:
    """The site file; ValueError naming the first problem and its line."""
    site, problems = check_site(text)
    if problems or site is None:
        first = problems[0]
        where = f"line {first.line}: " if first.line else ""
        raise ValueError(f"{where}{first.where}: {first.message}")
    return site


def read_site_file(path: Path) -> SiteFile:
    """The site file at ``path``; ValueError naming the file, line and problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return load_site(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _all_problems(error: ValidationError, document: Document) -> list[Problem]:
    problems = []
    for index in range(len(error.errors())):
        single = ValidationError.from_exception_data(error.title, [error.errors()[index]])  # type: ignore[list-item]  # an ErrorDetails re-raised as the InitErrorDetails it came from
        problems.append(first_problem(single, document))
    return sorted(problems, key=lambda problem: problem.line or 0)


def _duplicates(site: SiteFile, document: Document) -> list[Problem]:
    problems = []
    counts = Counter(system.name for system in site.systems)
    for index, system in enumerate(site.systems):
        if counts[system.name] > 1:
            path: tuple[str | int, ...] = ("systems", index, "name")
            problems.append(
                Problem(
                    path,
                    f"system {system.name!r} is defined more than once",
                    document.line_of(path),
                )
            )
        names = Counter(check.name for check in system.checks)
        for position, check in enumerate(system.checks):
            if names[check.name] > 1:
                path = ("systems", index, "checks", position, "name")
                problems.append(
                    Problem(
                        path,
                        f"check {check.name!r} appears twice in {system.name!r}",
                        document.line_of(path),
                    )
                )
    return problems


def _audience_duplicates(site: SiteFile, document: Document) -> list[Problem]:
    counts = Counter(audience.name for audience in site.audiences)
    return [
        Problem(("audiences", index, "name"), f"audience {audience.name!r} is defined more than once",
                document.line_of(("audiences", index, "name")))
        for index, audience in enumerate(site.audiences)
        if counts[audience.name] > 1
    ]  # fmt: skip


def _holiday_problems(site: SiteFile, document: Document) -> list[Problem]:
    spec = site.working_days
    try:  # any year tells whether the country, subdivision or market exists
        public_holidays(
            [HOLIDAY_PROBE_YEAR],
            country=spec.country,
            subdivision=spec.subdivision,
            market=spec.market,
        )
    except ValueError as exc:
        path = ("working_days",)
        return [Problem(path, str(exc), document.line_of(path))]
    return []
