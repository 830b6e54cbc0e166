"""``closewatch serve``: the service."""

from __future__ import annotations

import typer

from monitor.cli.common import now, ready_engine, settings, site_file

SWITCH_INTERVAL_SECONDS = 0.001


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default CLOSEWATCH_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (default CLOSEWATCH_PORT)."),
    demo: bool = typer.Option(False, "--demo", help="Load a demo calendar, systems and audience."),
) -> None:
    """Run the service: API, pages and background work, upgrading the database first."""
    import sys

    import uvicorn

    from monitor.api import create_app

    config = settings()
    engine = ready_engine(config)
    if demo:
        from monitor.demo import load_demo

        secret = load_demo(engine, config, now=now())
        typer.echo(f"demo loaded; an admin token for trying the API: {secret}")
    app = create_app(config, engine=engine, migrate=False, background=True, site=site_file(config))
    # Threads here read the database and rebuild the level index after a change; Python hands
    # the interpreter from a busy thread to the event loop after this long (default 5 ms).
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    uvicorn.run(app, host=host or config.host, port=port or config.port, log_level="info")
