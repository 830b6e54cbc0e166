"""``closewatch incident``: tell the readers of an incident what is new, and when it is fixed."""

from __future__ import annotations

from datetime import timedelta

import click

from calendars.text import unwanted_in
from monitor.cli.common import UsageProblem, check_id, now, ready_engine, say, settings
from monitor.intensity.policy import parse_duration

app = click.Group("incident", help="Post incident updates and resolutions to the people affected.")


@app.command()
@click.argument("incident", type=int)
@click.option("--message", required=True, help="For users: one plain sentence, no jargon.")
@click.option(
    "--next-update",
    default="30m",
    show_default=True,
    help="When the next update comes: 30m, 1h ...",
)
def update(incident: int, message: str, next_update: str) -> None:
    """Tell everyone who heard of INCIDENT (its id, as the API lists it) what is new, and
    promise the next update."""
    check_id("INCIDENT", incident)
    _readable("--message", message)
    try:
        wait = timedelta(seconds=parse_duration(next_update))
    except ValueError as exc:
        raise UsageProblem(f"--next-update: {exc}") from None
    _warn(message, "update")
    from monitor.notices.incidents import post_update

    try:
        told = post_update(
            ready_engine(settings()), incident, message=message, next_update=wait, now=now()
        )
    except LookupError as exc:
        raise UsageProblem(str(exc)) from None
    say(
        f"update for incident {incident} queued for {told} recipients; next update promised in {next_update}"
    )


@app.command("resolve")
@click.argument("incident", type=int)
@click.option("--summary", required=True, help="What was wrong, in one plain sentence.")
@click.option("--what-you-can-do", default="", help="What readers can do now.")
def resolve_(incident: int, summary: str, what_you_can_do: str) -> None:
    """Tell everyone who heard of INCIDENT that it is fixed, and ask whether it works for them."""
    check_id("INCIDENT", incident)
    _readable("--summary", summary)
    _readable("--what-you-can-do", what_you_can_do)
    _warn(f"{summary}\n{what_you_can_do}", "resolved")
    from monitor.notices.incidents import resolve

    try:
        told = resolve(
            ready_engine(settings()),
            incident,
            summary=summary,
            what_you_can_do=what_you_can_do,
            now=now(),
        )
    except LookupError as exc:
        raise UsageProblem(str(exc)) from None
    say(f"incident {incident} resolved; {told} recipients will be asked whether it works for them")


def _readable(option: str, text: str) -> None:
    """Readers' words hold line breaks at most, as through the API."""
    found = unwanted_in(text, lines=True)
    if found:
        raise UsageProblem(f"{option}: contains a control character ({found})")


def _warn(text: str, kind: str) -> None:
    from notifiers.linter import lint_message

    for finding in lint_message(None, text, kind=kind):
        if finding.rule in ("jargon", "apology"):
            say(f"warning: {finding.message}", err=True)
