"""``closewatch token``: API tokens."""

from __future__ import annotations

import typer

from monitor.cli.common import UsageProblem, now, ready_engine, settings
from monitor.roles import Role

app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Option(..., help="Who or what uses the token, e.g. alice or grafana."),
    role: Role = typer.Option(
        Role.VIEWER, help="viewer reads; editor uploads and edits; admin all."
    ),
) -> None:
    """Create a token and print it once; only its hash is stored."""
    from sqlalchemy.exc import IntegrityError

    from monitor.db.engine import session_scope
    from monitor.store.tokens import create_token

    engine = ready_engine(settings())
    try:
        with session_scope(engine) as session:
            _row, secret = create_token(session, name=name, role=role, now=now())
    except IntegrityError:
        raise UsageProblem(f"a token named {name!r} already exists") from None
    typer.echo(secret)
