"""``closewatch db``: the database schema."""

from __future__ import annotations

import click

from monitor.cli.common import ready_engine, say, settings

app = click.Group("db", help="Manage the database schema.")


@app.command()
def upgrade() -> None:
    """Bring the database schema up to date (the service also does this on start)."""
    from monitor.db.migrate import current_revision

    engine = ready_engine(settings())
    say(f"database schema at revision {current_revision(engine)}")
