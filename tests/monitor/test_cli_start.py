"""The command line starts fast because the commands people run most load only what they use.

Start-up time itself is measured by ``tests/bench/cli_bench.py``, never asserted; what
is asserted is why it is fast: ``--help``, ``lint`` and ``calendar preview`` never load
the database, web or scheduler stacks, nor pydantic-settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, fields
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.reading_settings import BOUNDS, Bounds, ReadingSettings, SettingProblem
from monitor.settings import Settings
from tests.monitor.samples import MONTH_END, ics

pytestmark = pytest.mark.dateless  # which modules a command loads

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "fastapi", "starlette", "uvicorn", "apscheduler",
         "pydantic_settings", "jinja2", "httpx", "prometheus_client")  # fmt: skip
# Runs the command as the installed script does, then prints which heavy packages it loaded.
PROBE = """
import json, sys
from monitor.cli import main
sys.argv = ["closewatch", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    code = stop.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
print("LOADED " + json.dumps(heavy), file=sys.stderr)
"""


def loaded_by(*args: str, env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.replace("json.loads(HEAVY)", repr(list(HEAVY))), *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("LOADED "), result.stderr
    return list(json.loads(line.removeprefix("LOADED ")))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    return {**clean, "CLOSEWATCH_DATA_DIR": str(tmp_path / "data")}


def test_help_loads_no_heavy_stack(env: dict[str, str]) -> None:
    assert loaded_by("--help", env=env) == []


def test_lint_loads_no_heavy_stack(env: dict[str, str]) -> None:
    template = ROOT / "templates" / "notices" / "en" / "heads_up" / "text.txt"
    assert loaded_by("lint", str(template), env=env) == []


def test_calendar_preview_loads_no_heavy_stack(tmp_path: Path, env: dict[str, str]) -> None:
    calendar = tmp_path / "closing.ics"
    calendar.write_bytes(ics(MONTH_END))
    assert loaded_by("calendar", "preview", str(calendar), env=env) == []


def test_reading_settings_read_the_environment_as_the_service_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {"CLOSEWATCH_TIMEZONE": "Europe/Berlin", "closewatch_horizon_past_days": "7",
                        "CLOSEWATCH_JOB_SECONDS": "2.5", "CLOSEWATCH_MAX_OCCURRENCES_PER_UPLOAD": "50"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)

    reading, full = ReadingSettings.from_environment(), Settings()

    assert asdict(reading) == {field.name: getattr(full, field.name) for field in fields(reading)}
    assert (reading.timezone, reading.horizon_past_days, reading.job_seconds) == (
        "Europe/Berlin",
        7,
        2.5,
    )


@pytest.mark.parametrize("field", [field.name for field in fields(ReadingSettings)])
def test_reading_settings_have_the_defaults_and_bounds_of_the_service(field: str) -> None:
    declared = Settings.model_fields[field]
    bounds = {name: getattr(rule, name) for rule in declared.metadata
              for name in ("ge", "gt", "le") if hasattr(rule, name)}  # fmt: skip

    assert getattr(ReadingSettings(), field) == declared.default
    assert {name: value for name, value in asdict(BOUNDS.get(field, Bounds())).items()
            if value is not None} == bounds  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("CLOSEWATCH_TIMEZONE", "Mars/Base", "unknown time zone 'Mars/Base'"),
     ("CLOSEWATCH_JOB_WORKERS", "0", "must be at least 1"),
     ("CLOSEWATCH_JOB_WORKERS", "33", "must be at most 32"),
     ("CLOSEWATCH_JOB_SECONDS", "0", "must be more than 0"),
     ("CLOSEWATCH_HORIZON_FUTURE_DAYS", "soon", "'soon' is not a whole number")],
)  # fmt: skip
def test_reading_settings_refuse_what_the_service_refuses(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingProblem) as reading:
        ReadingSettings.from_environment()
    with pytest.raises(ValidationError) as full:
        Settings()

    assert str(reading.value) == f"setting {name}: {message}"
    assert (reading.value.field,) == full.value.errors()[0]["loc"]
