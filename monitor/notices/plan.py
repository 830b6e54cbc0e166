"""When each notice is due: pure planning from occurrences, audiences and the clock.

- ``heads_up``: N working days before an occurrence starts (per category,
  default 2), at the audience's local time (default 09:00);
- ``daily_status`` (when the audience wants it): each working morning while the
  occurrence runs;
- ``wrap_up``: the first working morning after it ends; at the same moment the
  audience's IT contact gets the critical-period report (``period_report``),
  once per contact whatever the number of audiences they sign for.

A due time never falls on the audience's weekend or holidays, nor in its quiet
hours: it moves to the next moment that is allowed. A heads-up whose moment has
passed (a calendar uploaded late) goes out at the next allowed moment, as long
as the occurrence has not ended. Each delivery's dedupe key names the notice,
the recipient and the channel, so planning again finds the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendars.workdays import WorkingDays
from monitor.site import AudienceSpec, Member

HEADS_UP, DAILY_STATUS, WRAP_UP = "heads_up", "daily_status", "wrap_up"
PERIOD_REPORT = "period_report"  # for the IT contact, with the wrap-up


@dataclass(frozen=True, slots=True)
class OccurrenceInfo:
    id: int
    category: str
    start: datetime
    end: datetime
    systems: tuple[str, ...]
    audiences: tuple[str, ...]  # named on the period


@dataclass(frozen=True, slots=True)
class AudiencePlan:
    """An audience with the working days its notices respect."""

    spec: AudienceSpec
    workdays: WorkingDays

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.spec.timezone)

    def concerned_by(self, occurrence: OccurrenceInfo) -> bool:
        concerns = self.spec.concerns
        return (
            self.spec.name in occurrence.audiences
            or occurrence.category in concerns.categories
            or bool(set(occurrence.systems) & set(concerns.systems))
        )


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    dedupe_key: str
    kind: str
    channel: str
    audience: str
    recipient_name: str
    recipient_address: str
    occurrence_id: int
    due_at: datetime


def plan_notices(
    occurrences: Iterable[OccurrenceInfo],
    audiences: Iterable[AudiencePlan],
    *,
    now: datetime,
    until: datetime,
) -> list[PlannedDelivery]:
    """Every delivery due before ``until`` for occurrences not yet over."""
    audiences = list(audiences)
    planned: list[PlannedDelivery] = []
    for occurrence in occurrences:
        if occurrence.end <= now:
            continue
        for audience in audiences:
            if not audience.concerned_by(occurrence):
                continue
            for kind, due, tag in _notices(occurrence, audience, now):
                if due <= until:
                    planned.extend(_recipients(kind, due, tag, occurrence, audience))
                    if kind == WRAP_UP and audience.spec.contact.email:
                        planned.append(_report_to_contact(due, occurrence, audience))
    return planned


def _report_to_contact(
    due: datetime, occurrence: OccurrenceInfo, audience: AudiencePlan
) -> PlannedDelivery:
    """The report for the IT contact; the key leaves the audience out, so a contact of several
    audiences gets it once."""
    contact = audience.spec.contact
    return PlannedDelivery(
        dedupe_key=f"{PERIOD_REPORT}/{occurrence.id}/email/{contact.email}", kind=PERIOD_REPORT,
        channel="email", audience=audience.spec.name, recipient_name=contact.name,
        recipient_address=contact.email, occurrence_id=occurrence.id, due_at=due,
    )  # fmt: skip


def _notices(
    occurrence: OccurrenceInfo, audience: AudiencePlan, now: datetime
) -> Iterator[tuple[str, datetime, str]]:
    spec, zone = audience.spec, audience.zone
    days_before = spec.heads_up.by_category.get(
        occurrence.category, spec.heads_up.working_days_before
    )
    first_day = occurrence.start.astimezone(zone).date()
    day = audience.workdays.step(first_day, -days_before) if days_before else first_day
    heads_up = next_allowed(_at_local_time(day, audience), audience)
    if heads_up < now:
        heads_up = next_allowed(now, audience)
    if heads_up < occurrence.end:
        yield HEADS_UP, heads_up, ""
    if spec.daily_status:
        for day in _days(first_day, occurrence.end.astimezone(zone).date()):
            morning = _at_local_time(day, audience)
            if (
                audience.workdays.is_working_day(day)
                and occurrence.start <= morning < occurrence.end
                and morning >= now
            ):
                yield DAILY_STATUS, next_allowed(morning, audience), day.isoformat()
    if spec.wrap_up:
        ended = occurrence.end.astimezone(zone)
        day = ended.date()
        if _at_local_time(day, audience) < occurrence.end:
            day += timedelta(days=1)
        yield WRAP_UP, next_allowed(_at_local_time(day, audience), audience), ""


def next_allowed(moment: datetime, audience: AudiencePlan) -> datetime:
    """The first instant at or after ``moment`` on a working day and outside quiet hours."""
    zone = audience.zone
    local = moment.astimezone(zone)
    for _ in range(400):
        if not audience.workdays.is_working_day(local.date()):
            day = audience.workdays.step(local.date(), 1)
            local = _at_local_time(day, audience).astimezone(zone)
            continue
        quiet_end = _quiet_until(local, audience)
        if quiet_end is None:
            return local.astimezone(moment.tzinfo)
        local = quiet_end
    raise ValueError(
        f"audience {audience.spec.name!r} has no moment for notices: check its quiet hours"
    )


def _quiet_until(local: datetime, audience: AudiencePlan) -> datetime | None:
    """When the quiet hours around ``local`` end, or None when it is not quiet."""
    quiet = audience.spec.quiet_hours
    if quiet is None:
        return None
    start, end = _clock(quiet.start), _clock(quiet.end)
    now = local.time()
    if start <= end:
        inside = start <= now < end
        ends_on = local.date()
    else:  # over midnight, e.g. 19:00 to 07:00
        inside = now >= start or now < end
        ends_on = local.date() + timedelta(days=1) if now >= start else local.date()
    if not inside:
        return None
    return datetime.combine(ends_on, end, audience.zone)


def _at_local_time(day: date, audience: AudiencePlan) -> datetime:
    return datetime.combine(day, _clock(audience.spec.local_time), audience.zone)


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _recipients(
    kind: str, due: datetime, tag: str, occurrence: OccurrenceInfo, audience: AudiencePlan
) -> Iterator[PlannedDelivery]:
    for member in audience.spec.members:
        for channel, address in _addresses(member, audience.spec.channels):
            notice = "/".join(part for part in (kind, str(occurrence.id), tag) if part)
            yield PlannedDelivery(
                dedupe_key=f"{notice}/{audience.spec.name}/{channel}/{address}",
                kind=kind, channel=channel, audience=audience.spec.name, recipient_name=member.name,
                recipient_address=address, occurrence_id=occurrence.id, due_at=due,
            )  # fmt: skip


def _addresses(member: Member, channels: Iterable[str]) -> Iterator[tuple[str, str]]:
    for channel in channels:
        address = member.chat if channel == "chat" else member.email
        if address:
            yield channel, address
