"""``closewatch maintenance``: plan work on a system away from its critical periods."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from calendars.text import unwanted_in
from monitor.cli.common import (
    UsageProblem,
    check_id,
    instant,
    now,
    ready_engine,
    say,
    settings,
    site_of,
)

app = click.Group(
    "maintenance", help="Plan maintenance windows that never collide with a critical period."
)


@app.command()
@click.argument("system")
@click.option(
    "--from",
    "start",
    required=True,
    help="When the work starts: 2026-12-05T22:00 (local) or with an offset.",
)
@click.option("--to", "end", required=True, help="When it ends (exclusive).")
@click.option("--reason", required=True, help="What is done, in plain words: users read it.")
@click.option(
    "--override",
    default="",
    help="Approve a window that collides with a critical period, saying why (recorded).",
)
def plan(system: str, start: str, end: str, reason: str, override: str) -> None:
    """Plan a window on SYSTEM (its name, as calendars use it); refused, listing the periods, when it collides with one or its ramp.

    The command line acts as an admin: --override approves a collision."""
    for option, text in (("SYSTEM", system), ("--reason", reason), ("--override", override)):
        found = unwanted_in(text)
        if found:
            raise UsageProblem(f"{option}: contains a control character ({found})")
    config = settings()
    zone = ZoneInfo(config.timezone)
    begins, ends = instant(start, zone, "--from"), instant(end, zone, "--to")
    assert begins is not None and ends is not None
    from monitor.db.engine import session_scope
    from monitor.intensity.service import IntensityService
    from monitor.maintenance.announce import announce_window
    from monitor.maintenance.windows import MaintenanceRefused, WindowRequest, plan_window

    engine = ready_engine(config)
    site = site_of(config)
    index = IntensityService(engine, site, clock=now).current().index
    request = WindowRequest(system, begins, ends, reason, override, created_by="command line")
    with session_scope(engine) as session:
        try:
            planned = plan_window(session, index, request, may_override=True, now=now(), zone=zone)
        except MaintenanceRefused as refused:
            options = {"start": "--from", "end": "--to", "system": "SYSTEM", "reason": "--reason"}
            named = options.get(refused.field, "--" + refused.field.replace("_", "-"))
            raise UsageProblem(f"{named}: {refused}") from None
        told = announce_window(session, site, planned.window, now=now())
        window = planned.window
    local = f"{window.start.astimezone(zone):%Y-%m-%d %H:%M} to {window.end.astimezone(zone):%Y-%m-%d %H:%M} ({zone})"
    say(
        f"maintenance window {window.id} planned on {system}, {local}; announced to {told} recipients"
    )
    for collision in planned.collisions:
        say(f"approved over: {collision}")


@app.command("list")
@click.option("--system", help="Only this system's windows.")
@click.option("--past", is_flag=True, help="Include windows that are over.")
def list_(system: str | None, past: bool) -> None:
    """Maintenance windows not over yet: id, system, when, why, and any override."""
    config = settings()
    zone = ZoneInfo(config.timezone)
    from monitor.db.engine import session_scope
    from monitor.maintenance.windows import list_windows

    with session_scope(ready_engine(config)) as session:
        windows = list_windows(session, system=system, ending_after=None if past else now())
    if not windows:
        say("no maintenance windows")
    for window in windows:
        override = (
            f"  (approved over collisions: {window.override_reason})"
            if window.override_reason
            else ""
        )
        say(
            f"{window.id}  {window.system}  {window.start.astimezone(zone):%Y-%m-%d %H:%M} to "
            f"{window.end.astimezone(zone):%Y-%m-%d %H:%M}  {window.reason}{override}"
        )


@app.command()
@click.argument("window", type=int)
def cancel(window: int) -> None:
    """Cancel WINDOW (its id, as `maintenance list` shows); announcements not sent yet are
    withdrawn."""
    check_id("WINDOW", window)
    from monitor.db.engine import session_scope
    from monitor.db.models import MaintenanceWindow
    from monitor.maintenance.announce import withdraw_announcements

    with session_scope(ready_engine(settings())) as session:
        found = session.get(MaintenanceWindow, window)
        if found is None:
            raise UsageProblem(f"WINDOW: no maintenance window {window}")
        withdrawn = withdraw_announcements(session, window, now=now())
        session.delete(found)
    say(f"maintenance window {window} cancelled; {withdrawn} announcements withdrawn")
