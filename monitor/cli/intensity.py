"""``closewatch intensity``: each system's level now or at a time, and over the coming weeks.

Systems are those stored (site file or API), those in the site file, and any
other a calendar names. Times given without a zone are in CLOSEWATCH_TIMEZONE;
a date alone means its local midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from calendars import Level
from monitor.cli.common import (
    UsageProblem,
    instant,
    json_text,
    now,
    ready_engine,
    say,
    settings,
    site_of,
)
from monitor.timefmt import iso_z

if TYPE_CHECKING:
    from monitor.intensity.load import Loaded
    from monitor.intensity.policy import LevelPolicy
    from monitor.intensity.timeline import Cause, Segment
    from monitor.settings import Settings


DEFAULT_SPAN = timedelta(days=60)
LONGEST_SPAN = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class _Known:
    """A system as the CLI shows it; ``plain_name`` is None for one only a calendar names."""

    name: str
    plain_name: str | None
    policy: dict[Level, LevelPolicy]


@dataclass(frozen=True, slots=True)
class _View:
    zone: ZoneInfo
    loaded: Loaded
    systems: list[_Known]


@click.group("intensity", invoke_without_command=True)
@click.option("--at", help="Date or date-time; default now.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def app(ctx: click.Context, at: str | None, as_json: bool) -> None:
    """Each system's level and how it is watched: now, at a time, or over a span.

    Alone: each system's level at a time (default now), its policy, and why."""
    if ctx.invoked_subcommand is not None:
        return
    config = settings()
    zone = ZoneInfo(config.timezone)
    when = instant(at, zone, "--at") or now()
    view = _view(config)
    rows = [(known, view.loaded.index.at(known.name, when)) for known in view.systems]
    if as_json:
        document = {
            "at": iso_z(when),
            "systems": [
                {
                    "system": known.name,
                    "plain_name": known.plain_name,
                    "level": segment.level.label,
                    **_policy_json(known.policy[segment.level]),
                    "causes": [_cause_json(cause) for cause in segment.causes],
                }
                for known, segment in rows
            ],
        }
        click.echo(json_text(document))
        return
    say(f"levels at {when.astimezone(zone):%Y-%m-%d %H:%M} ({config.timezone})")
    header = ("system", "level", "interval", "failures", "latency", "response", "cause")
    table = [
        (
            known.name,
            segment.level.label,
            _duration(known.policy[segment.level].interval),
            str(known.policy[segment.level].failures),
            _duration(known.policy[segment.level].latency_budget),
            _duration(known.policy[segment.level].response_minutes * 60),
            _causes_text(segment.causes),
        )
        for known, segment in rows
    ]
    _print_columns([header, *table])
    if not rows:
        say("no systems: add them to the site file or name them in a calendar")


@app.command()
@click.option("--from", "start", help="Date or date-time; default now.")
@click.option("--to", "end", help="Date or date-time; default 60 days after --from.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def timeline(start: str | None, end: str | None, as_json: bool) -> None:
    """When each system's level changes over a span, and why."""
    config = settings()
    zone = ZoneInfo(config.timezone)
    first = instant(start, zone, "--from") or now()
    last = instant(end, zone, "--to") or first + DEFAULT_SPAN
    if last <= first:
        raise UsageProblem("--to must be after --from")
    if last - first > LONGEST_SPAN:
        raise UsageProblem(f"--from to --to spans at most {LONGEST_SPAN.days} days")
    view = _view(config)
    spans = [(known, view.loaded.index.between(known.name, first, last)) for known in view.systems]
    if as_json:
        document = {
            "from": iso_z(first),
            "to": iso_z(last),
            "systems": [
                {
                    "system": known.name,
                    "plain_name": known.plain_name,
                    "segments": [_segment_json(segment) for segment in segments],
                }
                for known, segments in spans
            ],
        }
        click.echo(json_text(document))
        return
    say(
        f"levels from {first.astimezone(zone):%Y-%m-%d %H:%M} "
        f"to {last.astimezone(zone):%Y-%m-%d %H:%M} ({config.timezone})"
    )
    for known, segments in spans:
        plain = f" ({known.plain_name})" if known.plain_name else ""
        say(f"\n{known.name}{plain}")
        for segment in segments:
            say(
                f"  {segment.start.astimezone(zone):%Y-%m-%d %H:%M}  "
                f"{segment.end.astimezone(zone):%Y-%m-%d %H:%M}  "
                f"{segment.level.label:<8}  {_causes_text(segment.causes)}"
            )


def _view(config: Settings) -> _View:
    from sqlalchemy import select

    from monitor.db.engine import session_scope
    from monitor.db.models import System
    from monitor.intensity.service import IntensityService

    engine = ready_engine(config)
    site = site_of(config)
    loaded = IntensityService(engine, site, clock=now).current()
    with session_scope(engine) as session:
        stored = {
            system.name: _Known(system.name, system.plain_name, site.system_policy(system.policy))
            for system in session.execute(select(System)).scalars()
        }
    in_file = {
        system.name: _Known(
            system.name,
            system.plain_name,
            site.system_policy(
                system.policy.model_dump(exclude_none=True) if system.policy else {}
            ),
        )
        for system in site.spec.systems
    }
    named = {name: _Known(name, None, dict(site.policy)) for name in loaded.index.timelines}
    known = {**named, **in_file, **stored}
    return _View(ZoneInfo(config.timezone), loaded, [known[name] for name in sorted(known)])


def _policy_json(rule: LevelPolicy) -> dict[str, Any]:
    return {
        "interval_seconds": float(rule.interval),
        "failures": rule.failures,
        "latency_budget_seconds": float(rule.latency_budget),
        "response_minutes": rule.response_minutes,
    }


def _cause_json(cause: Cause) -> dict[str, Any]:
    return {
        "title": cause.title,
        "category": cause.category,
        "phase": cause.phase,
        "start": iso_z(cause.start),
        "end": iso_z(cause.end),
    }


def _segment_json(segment: Segment) -> dict[str, Any]:
    return {
        "start": iso_z(segment.start),
        "end": iso_z(segment.end),
        "level": segment.level.label,
        "causes": [_cause_json(cause) for cause in segment.causes],
    }


def _causes_text(causes: tuple[Cause, ...]) -> str:
    return ", ".join(f"{cause.title} ({cause.phase})" for cause in causes) or "-"


def _duration(seconds: float) -> str:
    """``15s``, ``2m``, ``4h``, ``0.8s``: the largest whole unit."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _print_columns(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        say("  ".join([*cells, row[-1]]).rstrip())
