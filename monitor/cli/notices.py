"""``closewatch notices``: plan, preview and send notices."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from calendars.options import load_zone
from monitor.cli.common import (
    UsageProblem,
    check_id,
    instant,
    json_text,
    now,
    ready_engine,
    say,
    settings,
    site_of,
)
from monitor.timefmt import iso_z
from notifiers.kinds import PLANNED_KINDS

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.settings import Settings
    from monitor.site import Site

app = click.Group("notices", help="Plan, preview and send notices to audiences.")


def _ready() -> tuple[Settings, Engine, Site]:
    """Settings, the database with the site file's audiences in it, and the site."""
    from monitor.db.engine import session_scope
    from monitor.store.audiences import sync_site_audiences
    from monitor.store.systems import sync_site

    config = settings()
    engine = ready_engine(config)
    site = site_of(config)
    if config.site_file:
        with session_scope(engine) as session:
            sync_site(session, site.spec, now=now())
            sync_site_audiences(session, site.spec, now=now())
    return config, engine, site


@app.command()
@click.option("--from", "start", help="Date or date-time; default now.")
@click.option("--to", "end", help="Date or date-time; default CLOSEWATCH_PLAN_AHEAD_DAYS ahead.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def plan(start: str | None, end: str | None, as_json: bool) -> None:
    """The planned deliveries: kind, audience, recipient, channel, due time in UTC and the reader's zone."""
    from monitor.db.engine import session_scope
    from monitor.notices.sync import current_plan
    from monitor.store.audiences import find_audience

    config, engine, site = _ready()
    zone = load_zone(config.timezone)
    begin = instant(start, zone, "--from") or now()
    finish = instant(end, zone, "--to") or begin + timedelta(days=config.plan_ahead_days)
    if finish <= begin:
        raise UsageProblem("--to must be after --from")
    planned = [
        p for p in current_plan(engine, site, now=begin, ahead=finish - begin) if p.due_at >= begin
    ]
    with session_scope(engine) as session:
        zones = {name: ZoneInfo(spec.timezone) for name in {p.audience for p in planned}
                 if (spec := find_audience(session, name))}  # fmt: skip
    planned.sort(key=lambda p: (p.due_at, p.audience, p.recipient_name, p.channel))
    rows: list[dict[str, Any]] = [
        {"kind": p.kind, "audience": p.audience, "recipient": p.recipient_name, "address": p.recipient_address,
         "channel": p.channel, "occurrence": p.occurrence_id, "due": iso_z(p.due_at),
         "due_local": p.due_at.astimezone(zones[p.audience]).isoformat(), "dedupe_key": p.dedupe_key}
        for p in planned
    ]  # fmt: skip
    if as_json:
        click.echo(json_text({"from": iso_z(begin), "to": iso_z(finish), "deliveries": rows}))
        return
    for row in rows:
        say(f"{row['due']}  {row['due_local'][:16]}  {row['kind']:<12}  {row['audience']:<12}  "
                   f"{row['channel']:<5}  {row['recipient']} <{row['address']}>")  # fmt: skip
    say(f"{len(rows)} deliveries planned")


@app.command(
    help=f"Render a notice of KIND ({', '.join(PLANNED_KINDS)}) as its first recipient would get "
    "it, with the tone linter's findings."
)
@click.argument("kind")
@click.option("--audience", required=True, help="The audience to render it for.")
@click.option("--occurrence", type=int, help="Occurrence id; default the next one.")
def preview(kind: str, audience: str, occurrence: int | None) -> None:
    if kind not in PLANNED_KINDS:
        raise UsageProblem(
            f"kind must be one of {', '.join(PLANNED_KINDS)} (incident notices come from incidents)"
        )
    check_id("--occurrence", occurrence)
    from sqlalchemy import select
    from sqlmodel import col

    from monitor.db.engine import session_scope
    from monitor.db.models import Occurrence
    from monitor.notices.compose import Composer
    from monitor.paths import templates_dir
    from monitor.store.audiences import find_audience
    from notifiers.linter import lint_message
    from notifiers.outbox import Claim
    from notifiers.render import NoticeRenderer

    config, engine, _ = _ready()
    with session_scope(engine) as session:
        spec = find_audience(session, audience)
        if spec is None:
            raise UsageProblem(f"no audience named {audience!r}")
        if occurrence is None:
            occurrence = session.execute(
                select(col(Occurrence.id))
                .where(col(Occurrence.end) > now())
                .order_by(col(Occurrence.start))
                .limit(1)
            ).scalar_one_or_none()
    if occurrence is None:
        raise UsageProblem("no occurrence to preview: import a calendar first")
    member = spec.members[0] if spec.members else None
    claim = Claim(0, f"preview/{kind}/{occurrence}/{audience}", kind, "email", audience,
                  member.name if member else "Reader", member.email if member else "reader@example.com",
                  occurrence, None, 1, now())  # fmt: skip
    composer = Composer(engine, config, NoticeRenderer(templates_dir() / "notices"), preview=True)
    message = composer.compose(claim)
    if message is None:
        raise UsageProblem(f"occurrence {occurrence} does not exist")
    say(f"Subject: {message.subject}\n\n{message.text}")
    findings = lint_message(
        message.subject, message.text, kind=kind, contact_name=spec.contact.name
    )
    for finding in findings:
        where = "subject" if finding.line == 0 else f"line {finding.line}"
        say(f"lint: {where}: {finding.rule}: {finding.message}", err=True)


@app.command()
@click.option(
    "--plan/--no-plan",
    "plan_first",
    default=True,
    show_default=True,
    help="Plan into the outbox before sending.",
)
def send(plan_first: bool) -> None:
    """Plan, then deliver everything due from the outbox, and stop when nothing is left."""
    import asyncio

    from monitor.notices.sync import plan_and_sync

    config, engine, site = _ready()
    if plan_first:
        plan_and_sync(engine, site, now=now(), ahead=timedelta(days=config.plan_ahead_days))
    delivered = asyncio.run(_drain(config, engine, site))
    say(f"{delivered} deliveries handled")


async def _drain(config: Settings, engine: Engine, site: Site) -> int:
    from monitor.notices.channels import build_channels
    from monitor.notices.compose import Composer
    from monitor.paths import templates_dir
    from monitor.store.outbox import DatabaseOutbox
    from notifiers.outbox import OutboxWorker, RetryPolicy
    from notifiers.render import NoticeRenderer

    channels = build_channels(config)
    composer = Composer(
        engine,
        config,
        NoticeRenderer(templates_dir() / "notices"),
        clock=now,
        subscribers=site.spec.subscribers,
    )
    worker = OutboxWorker(
        DatabaseOutbox(engine),
        composer,
        channels,
        policy=RetryPolicy(max_age=timedelta(hours=config.outbox_max_age_hours)),
        lease=timedelta(seconds=config.outbox_lease_seconds),
        clock=now,
        compose_together=composer.together,
    )
    try:
        return await worker.drain()
    finally:
        for channel in channels.values():
            await channel.close()
