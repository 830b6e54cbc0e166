"""The README and the code agree: everything that exists is documented, and everything
the README names exists (settings, commands and their options, routes)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest

from monitor.api import ROUTERS
from monitor.cli import app
from monitor.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
ROUTE = re.compile(r"`(GET|POST|PUT|DELETE|PATCH) (/[^`?\s]*)")
# Variables the tests read, documented for developers; not settings of the service.
TEST_VARIABLES = {"CLOSEWATCH_TEST_POSTGRES_URL"}


def _section(title: str) -> str:
    """The README's ``## title`` section, up to the next one."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"`CLOSEWATCH_{name.upper()}`" in README


def test_every_variable_the_readme_names_is_a_setting() -> None:
    known = {f"CLOSEWATCH_{name.upper()}" for name in Settings.model_fields} | TEST_VARIABLES
    named = set(re.findall(r"\bCLOSEWATCH_[A-Z][A-Z_]*[A-Z]\b", README))
    assert named - known == set()


# --- commands and options ------------------------------------------------------------------


def _commands() -> dict[str, Any]:
    """Every command by its words after ``closewatch`` ("calendar preview"), as click sees it."""
    found: dict[str, Any] = {}
    context = click.Context(app)
    for name in app.list_commands(context):
        command = app.get_command(context, name)
        if isinstance(command, click.Group):
            if command.invoke_without_command:  # `closewatch intensity` runs on its own too
                found[name] = command
            found |= {f"{name} {sub}": leaf for sub, leaf in command.commands.items()}
        else:
            found[name] = command
    return found


def _row(command: str) -> str:
    """The command's row in the README's command table."""
    rows = [
        line
        for line in _section("Command line").splitlines()
        if re.match(rf"\| `closewatch {command}(?: [^`a-z][^`]*)?`", line)
        or line.startswith(f"| `closewatch {command}`")
    ]
    assert len(rows) == 1, f"`closewatch {command}` needs one row in the README's command table"
    return rows[0]


def _options(command: Any) -> list[list[str]]:
    """Each option's names (``--plan/--no-plan`` gives both), without --help."""
    return [
        [*param.opts, *param.secondary_opts]
        for param in command.params
        if param.param_type_name == "option" and "--help" not in param.opts
    ]


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_command_and_option_is_in_its_readme_row(command: str) -> None:
    row = _row(command)
    missing = [names[0] for names in _options(_commands()[command]) if not any(
        re.search(rf"{re.escape(name)}\b", row) for name in names)]  # fmt: skip
    assert missing == [], f"closewatch {command}: options not in its README row: {missing}"


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_in_a_readme_row_exists(command: str) -> None:
    known = {name for names in _options(_commands()[command]) for name in names}
    named = set(re.findall(r"(--[a-z][a-z-]*)", _row(command)))
    assert named - known == set(), f"closewatch {command}"


def test_every_command_the_readme_names_exists() -> None:
    # A command is named at the start of a code span or a line of a code block
    # (after "$ " or a path such as .venv/bin/), never in prose a block quotes.
    spans = re.findall(r"`([^`\n]+)`", README) + re.findall(r"```[a-z]*\n(.*?)```", README, re.S)
    mentioned = {
        words
        for span in spans
        for words in re.findall(r"(?:^\s*(?:\$\s+)?|/)closewatch ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", span, re.M)
    }  # fmt: skip
    commands = set(_commands())
    groups = {command.split()[0] for command in commands if " " in command}

    def exists(words: str) -> bool:
        first = words.split()[0]
        if first in groups:  # "calendar preview", or the group alone ("closewatch calendar")
            return words in commands or words == first
        return first in commands  # "lint templates/...": what follows is an argument

    assert sorted(words for words in mentioned if not exists(words)) == []


# --- routes --------------------------------------------------------------------------------


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _routes() -> set[tuple[str, str]]:
    return {
        (method, _normal(route.path))
        for router in ROUTERS
        for route in router.routes
        for method in getattr(route, "methods", set()) - {"HEAD"}
    }


def _documented_routes() -> set[tuple[str, str]]:
    return {(method, _normal(path)) for method, path in ROUTE.findall(README)}


def test_every_route_is_in_the_readme() -> None:
    assert sorted(_routes() - _documented_routes()) == []


def test_every_route_the_readme_names_exists() -> None:
    assert sorted(_documented_routes() - _routes()) == []


# --- calendar formats ----------------------------------------------------------------------


def test_every_csv_column_is_in_the_readme() -> None:
    from calendars.csvfile import COLUMNS

    assert all(f"`{column}`" in README for column in COLUMNS)


def test_every_rule_kind_and_option_is_in_the_readme() -> None:
    from calendars.rules import APPLIES_TO, KINDS

    assert all(f"`{name}" in README for name in (*KINDS, *APPLIES_TO))
