"""``closewatch serve``: the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from monitor.cli.common import now, ready_engine, settings, site_file

if TYPE_CHECKING:
    from monitor.demo_target import DemoTarget, OutageSchedule
    from monitor.settings import Settings

SWITCH_INTERVAL_SECONDS = 0.001


@click.command()
@click.option("--host", help="Address to listen on (default CLOSEWATCH_HOST).")
@click.option("--port", type=int, help="Port to listen on (default CLOSEWATCH_PORT).")
@click.option(
    "--demo",
    is_flag=True,
    help="Load a demo calendar, systems and audience, and watch a demo target.",
)
@click.option(
    "--demo-outage-in",
    default="1m",
    show_default=True,
    help="With --demo: when the demo target first fails, after the start (e.g. 1m).",
)
@click.option(
    "--demo-outage-for",
    default="4m",
    show_default=True,
    help="With --demo: how long each outage lasts; one comes every 30 minutes.",
)
def serve(
    host: str | None, port: int | None, demo: bool, demo_outage_in: str, demo_outage_for: str
) -> None:
    """Run the service: API, pages and background work, upgrading the database first."""
    import sys

    import uvicorn

    from monitor.api import create_app
    from monitor.malloc_arenas import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread starts: each would take an arena of its own
    config = settings()
    engine = ready_engine(config)
    if demo:
        from monitor.demo import load_demo
        from monitor.demo_target import DemoTarget

        target = DemoTarget(_outages(demo_outage_in, demo_outage_for)).start()
        secret = load_demo(engine, config, now=now(), target=target)
        click.echo(f"demo loaded; an admin token for trying the API: {secret}")
        click.echo(_where_to_look(config, target, host or config.host, port or config.port))
    app = create_app(config, engine=engine, migrate=False, background=True, site=site_file(config))
    # Threads here read the database and rebuild the level index after a change; Python hands
    # the interpreter from a busy thread to the event loop after this long (default 5 ms).
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    uvicorn.run(app, host=host or config.host, port=port or config.port, log_level="info",
                forwarded_allow_ips=config.trusted_proxies)  # fmt: skip


def _outages(first: str, length: str) -> OutageSchedule:
    from datetime import timedelta

    from monitor.cli.common import UsageProblem
    from monitor.demo_target import OutageSchedule
    from monitor.intensity.policy import parse_duration

    try:
        return OutageSchedule(first=timedelta(seconds=parse_duration(first)),
                              length=timedelta(seconds=parse_duration(length)))  # fmt: skip
    except ValueError as exc:
        raise UsageProblem(f"--demo-outage-in/--demo-outage-for: {exc}") from None


def _where_to_look(config: Settings, target: DemoTarget, host: str, port: int) -> str:
    first = target.started + target.schedule.first
    base = f"http://{host}:{port}"
    return (
        f"demo target on {target.url('')}: the finance and invoicing system (sap-fi) stops answering "
        f"at {first:%H:%M:%S} UTC for {target.schedule.length.total_seconds() / 60:g} minutes, and again "
        f"every {target.schedule.every.total_seconds() / 60:g} minutes.\n"
        f"Sign in at {base}/ with the token above: the dashboard shows the checks, {base}/incidents "
        f"the incident and its promised updates; the notices are written to {config.data_dir / 'outbox'}."
    )
