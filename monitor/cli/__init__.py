"""The ``closewatch`` command.

Errors the user can fix (a bad calendar, a bad setting, a bad option) are
printed as one line on stderr and exit with status 2; never a traceback.
"""

from __future__ import annotations

import sys

import typer

from calendars.errors import CalendarError
from calendars.text import shown
from monitor.cli import (
    calendar,
    config,
    db,
    incident,
    intensity,
    lint,
    maintenance,
    notices,
    serve,
    token,
)
from monitor.cli.common import SiteProblem, UsageProblem

app = typer.Typer(
    name="closewatch",
    help="Watch the systems harder when the business needs them most.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help, like every sub-command: importing Rich alone takes ~0.1 s
)
app.add_typer(calendar.app, name="calendar")
app.add_typer(config.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(incident.app, name="incident")
app.add_typer(maintenance.app, name="maintenance")
app.add_typer(notices.app, name="notices")
app.add_typer(intensity.app, name="intensity")
app.add_typer(token.app, name="token")
app.command("serve")(serve.serve)
app.command("lint")(lint.lint)


def main() -> None:
    try:
        app()
    except (CalendarError, UsageProblem, SiteProblem) as error:
        _fail(str(error))
    except Exception as error:
        # monitor.jobs brings multiprocessing; a JobError means it was imported already.
        from monitor.jobs import JobError

        if not isinstance(error, JobError):
            raise
        _fail(str(error))


def _fail(message: str) -> None:
    print(f"closewatch: error: {shown(message)}", file=sys.stderr)
    sys.exit(2)
