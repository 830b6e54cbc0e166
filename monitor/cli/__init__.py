"""The ``closewatch`` command.

Errors the user can fix (a bad calendar, a bad setting, a bad option) are
printed as one line on stderr and exit with status 2; never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from calendars.errors import CalendarError
from calendars.text import shown
from monitor.cli.common import SiteProblem, UsageProblem

# Each command's module and the name of its click command or group in it.
COMMANDS = {
    "calendar": ("monitor.cli.calendar", "app"),
    "config": ("monitor.cli.config", "app"),
    "db": ("monitor.cli.db", "app"),
    "incident": ("monitor.cli.incident", "app"),
    "intensity": ("monitor.cli.intensity", "app"),
    "lint": ("monitor.cli.lint", "lint"),
    "maintenance": ("monitor.cli.maintenance", "app"),
    "notices": ("monitor.cli.notices", "app"),
    "serve": ("monitor.cli.serve", "serve"),
    "token": ("monitor.cli.token", "app"),
}


class Commands(click.Group):
    """The commands, each imported when it is run (or listed by --help): ``lint`` and
    ``calendar preview`` load nothing of the others."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command


# Plain click: it parses a command line in microseconds, where Typer builds a Pydantic
# adapter for every parameter of the command it runs (about 0.15 s a start).
app = Commands(
    "closewatch",
    help="Watch the systems harder when the business needs them most.",
    no_args_is_help=True,
)


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
