"""``closewatch db``: the database schema."""

from __future__ import annotations

import typer

from monitor.cli.common import ready_engine, settings

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True, rich_markup_mode=None)


@app.command()
def upgrade() -> None:
    """Bring the database schema up to date (the service also does this on start)."""
    from monitor.db.migrate import current_revision

    engine = ready_engine(settings())
    typer.echo(f"database schema at revision {current_revision(engine)}")
