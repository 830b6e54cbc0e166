"""``closewatch token``: API tokens."""

from __future__ import annotations

import click

from monitor.cli.common import UsageProblem, now, ready_engine, say, settings
from monitor.roles import Role

app = click.Group("token", help="Manage API tokens.")


@app.command()
@click.option("--name", required=True, help="Who or what uses the token, e.g. alice or grafana.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.VIEWER.value,
    show_default=True,
    help="viewer reads; editor uploads and edits; admin all; ingest only reports alerts "
    "and status (for Alertmanager, Grafana, Zabbix, Uptime Kuma).",
)
def create(name: str, role: str) -> None:
    """Create a token and print it once; only its hash is stored."""
    from sqlalchemy.exc import IntegrityError

    from monitor.db.engine import session_scope
    from monitor.store.tokens import create_token

    engine = ready_engine(settings())
    try:
        with session_scope(engine) as session:
            _row, secret = create_token(session, name=name, role=Role(role), now=now())
    except IntegrityError:
        raise UsageProblem(f"a token named {name!r} already exists") from None
    click.echo(secret)


@app.command("list")
def list_() -> None:
    """Every token: name, role, when it was made, browsers signed in with it. Never a secret."""
    from monitor.db.engine import session_scope
    from monitor.store.tokens import list_tokens

    engine = ready_engine(settings())
    with session_scope(engine) as session:
        tokens = list_tokens(session, now=now())
    if not tokens:
        say("no tokens yet: closewatch token create --name NAME --role editor")
        return
    width = max(len(token.name) for token in tokens)
    for token in tokens:
        created = token.created_at.strftime("%Y-%m-%d %H:%M UTC")
        signed_in = f"{token.sessions} signed-in browser{'' if token.sessions == 1 else 's'}"
        say(f"{token.name:<{width}}  {token.role:<6}  created {created}  {signed_in}")


@app.command()
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the token NAME (as in `token list`): it stops working at once, and browsers
    signed in with it are signed out."""
    from monitor.db.engine import session_scope
    from monitor.store.tokens import revoke_token

    engine = ready_engine(settings())
    with session_scope(engine) as session:
        revoked = revoke_token(session, name)
    if not revoked:
        raise UsageProblem(f"no token named {name!r} (closewatch token list shows them)")
    say(f"revoked {name!r}; its browser sessions are ended")
