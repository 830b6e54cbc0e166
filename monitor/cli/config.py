"""``closewatch config``: the site file."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.common import FILE, read_text, say

app = click.Group("config", help="Check the site file (systems, checks, policy, ramps).")


@app.command()
@click.argument("file", type=FILE)
def check(file: Path) -> None:
    """Validate FILE, the site file (YAML), completely: every problem is listed with its line;
    exit status 2 if any."""
    from monitor.site import check_site

    site, problems = check_site(read_text(file))
    for problem in problems:
        where = f"line {problem.line}: " if problem.line else ""
        say(f"{file}: {where}{problem.where}: {problem.message}", err=True)
    if problems or site is None:
        raise click.exceptions.Exit(2)
    checks = sum(len(system.checks) for system in site.systems)
    say(f"{file}: ok: {len(site.systems)} systems, {checks} checks")
