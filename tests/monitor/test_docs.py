"""The README documents every setting and every CLI command."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli import app
from monitor.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"`CLOSEWATCH_{name.upper()}`" in README


def _commands() -> list[str]:
    import typer.main

    root = typer.main.get_command(app)
    found = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        found += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    return found


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"closewatch {command}" in README


def test_every_csv_column_is_in_the_readme() -> None:
    from calendars.csvfile import COLUMNS

    assert all(f"`{column}`" in README for column in COLUMNS)


def test_every_rule_kind_and_option_is_in_the_readme() -> None:
    from calendars.rules import APPLIES_TO, KINDS

    assert all(f"`{name}" in README for name in (*KINDS, *APPLIES_TO))
