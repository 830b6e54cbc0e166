"""``closewatch serve``: the service."""

from __future__ import annotations

import typer
import uvicorn

from monitor.api import create_app
from monitor.cli.common import SiteProblem, now, ready_engine, settings
from monitor.site import read_site_file


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default CLOSEWATCH_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (default CLOSEWATCH_PORT)."),
    demo: bool = typer.Option(False, "--demo", help="Load a demo calendar, systems and audience."),
) -> None:
    """Run the service: API, pages and background work, upgrading the database first."""
    config = settings()
    engine = ready_engine(config)
    if demo:
        from monitor.demo import load_demo

        secret = load_demo(engine, config, now=now())
        typer.echo(f"demo loaded; an admin token for trying the API: {secret}")
    try:
        site = read_site_file(config.site_file) if config.site_file else None
    except ValueError as exc:
        raise SiteProblem(str(exc)) from None
    app = create_app(config, engine=engine, migrate=False, background=True, site=site)
    uvicorn.run(app, host=host or config.host, port=port or config.port, log_level="info")
