"""``closewatch config``: the site file."""

from __future__ import annotations

from pathlib import Path

import typer

from monitor.cli.common import read_text, say

app = typer.Typer(
    help="Check the site file (systems, checks, policy, ramps).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command()
def check(file: Path = typer.Argument(..., help="The site file (YAML).")) -> None:
    """Validate FILE completely: every problem is listed with its line; exit status 2 if any."""
    from monitor.site import check_site

    site, problems = check_site(read_text(file))
    for problem in problems:
        where = f"line {problem.line}: " if problem.line else ""
        say(f"{file}: {where}{problem.where}: {problem.message}", err=True)
    if problems or site is None:
        raise typer.Exit(2)
    checks = sum(len(system.checks) for system in site.systems)
    say(f"{file}: ok: {len(site.systems)} systems, {checks} checks")
