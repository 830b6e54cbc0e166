"""The ``closewatch`` command.

Errors the user can fix (a bad calendar, a bad setting, a bad option) are
printed as one line on stderr and exit with status 2; never a traceback.
"""

from __future__ import annotations

import sys

import click

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

# Plain click: it parses a command line in microseconds, where Typer builds a Pydantic
# adapter for every parameter of the command it runs (about 0.15 s a start).
app = click.Group(
    "closewatch",
    help="Watch the systems harder when the business needs them most.",
    no_args_is_help=True,
    commands=[calendar.app, config.app, db.app, incident.app, maintenance.app, notices.app,
              intensity.app, token.app, serve.serve, lint.lint],
)  # fmt: skip


def main() -> None:
    try:
        app.main(prog_name="closewatch")
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
