"""The audiences part of the site file: who is told, how and when, signed by whom."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from calendars import Category
from calendars.rules import WorkingDaysSpec
from monitor.checks.specs import technical_name
from monitor.fields import Email, Language, at_most, email_domain, is_stored, known_zone
from monitor.site.base import HOLIDAY_PROBE_YEAR, Strict

CHANNELS = ("email", "chat", "file")
_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class Contact(Strict):
    """The IT person who signs an audience's notices and answers them."""

    name: str = Field(min_length=1, max_length=200)
    email: Annotated[Email, at_most(320)] = ""
    phone: Annotated[str, at_most(100)] = ""
    chat: Annotated[str, at_most(500)] = ""


class Member(Strict):
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


class QuietHours(Strict):
    start: str = Field(pattern=_CLOCK, description="HH:MM local: no notices from here ...")
    end: str = Field(pattern=_CLOCK, description="... until here (may be the next morning).")


class HeadsUp(Strict):
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


class Concerns(Strict):
    """Periods that concern an audience besides those naming it."""

    categories: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()


class AudienceSpec(Strict):
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

    _zone = field_validator("timezone")(known_zone)

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


class Subscribers(Strict):
    """People may ask for notices on the status page: from which email domains, signed by whom."""

    email_domains: tuple[Annotated[str, AfterValidator(email_domain)], ...] = Field(
        min_length=1, description="Addresses in these domains may ask, e.g. [example.com]."
    )
    contact: Contact
    languages: tuple[Language, ...] = Field(("en", "de"), min_length=1)
