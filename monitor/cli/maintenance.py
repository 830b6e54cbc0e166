"""``closewatch maintenance``: plan work on a system away from its critical periods."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import typer

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

app = typer.Typer(
    help="Plan maintenance windows that never collide with a critical period.", no_args_is_help=True
)


@app.command()
def plan(
    system: str = typer.Argument(..., help="The system's name, as calendars use it."),
    start: str = typer.Option(
        ..., "--from", help="When the work starts: 2026-12-05T22:00 (local) or with an offset."
    ),
    end: str = typer.Option(..., "--to", help="When it ends (exclusive)."),
    reason: str = typer.Option(
        ..., "--reason", help="What is done, in plain words: users read it."
    ),
    override: str = typer.Option(
        "",
        "--override",
        help="Approve a window that collides with a critical period, saying why (recorded).",
    ),
) -> None:
    """Plan a window on SYSTEM; refused, listing the periods, when it collides with one or its ramp.

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
def list_(
    system: str | None = typer.Option(None, "--system", help="Only this system's windows."),
    past: bool = typer.Option(False, "--past", help="Include windows that are over."),
) -> None:
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
def cancel(
    window: int = typer.Argument(..., help="The window's id (closewatch maintenance list)."),
) -> None:
    """Cancel a window; announcements not sent yet are withdrawn."""
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
