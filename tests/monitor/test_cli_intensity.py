"""``closewatch intensity``, run as a user runs it, against a calendar imported by the CLI.

The command's clock is the real one, so the calendar is written around today:
a closing from a Wednesday at least ten days ahead to that Friday (all day,
Europe/Berlin). The default ramp raises it from the Monday before (two working
days) until the Sunday after (one day after its end, Saturday 00:00).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendars import Level
from monitor.intensity.policy import DEFAULT_POLICY
from monitor.timefmt import iso_z
from tests.monitor.samples import event, ics
from tests.monitor.test_cli import run

BERLIN = ZoneInfo("Europe/Berlin")


def midnight(day: date) -> str:
    return iso_z(datetime.combine(day, time(), BERLIN).astimezone(UTC))


@pytest.fixture
def wednesday() -> date:
    today = datetime.now(BERLIN).date() + timedelta(days=10)
    return today + timedelta(days=(2 - today.weekday()) % 7)


@pytest.fixture
def env(tmp_path: Path, wednesday: date) -> dict[str, str]:
    """A data directory holding a closing calendar for sap-fi, imported with the CLI."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    env = {**clean, "CLOSEWATCH_DATA_DIR": str(tmp_path / "data"), "CLOSEWATCH_TIMEZONE": "Europe/Berlin"}  # fmt: skip
    saturday = wednesday + timedelta(days=3)
    closing = event(
        "close@acme",
        "Month-end closing",
        f"{wednesday:%Y%m%d}",
        f"{saturday:%Y%m%d}",
        "X-CLOSEWATCH-SYSTEMS:sap-fi",
    )
    path = tmp_path / "closing.ics"
    path.write_bytes(ics(closing))
    run("calendar", "import", str(path), "--name", "finance", env=env, check=True)
    return env


def test_levels_at_a_time_inside_the_closing_as_json(env: dict[str, str], wednesday: date) -> None:
    result = run("intensity", "--at", f"{wednesday}T12:00", "--json", env=env, check=True)

    document = json.loads(result.stdout)
    assert document["at"] == iso_z(datetime.combine(wednesday, time(12), BERLIN))
    assert document["at"].endswith("Z")
    (sap,) = document["systems"]
    high = DEFAULT_POLICY[Level.HIGH]
    assert sap == {
        "system": "sap-fi",
        "plain_name": None,
        "level": "high",
        "interval_seconds": high.interval,
        "failures": high.failures,
        "latency_budget_seconds": high.latency_budget,
        "response_minutes": high.response_minutes,
        "causes": [
            {
                "title": "Month-end closing",
                "category": "month_end_close",
                "phase": "during",
                "start": midnight(wednesday),
                "end": midnight(wednesday + timedelta(days=3)),
            }
        ],
    }


def test_levels_table_names_the_cause(env: dict[str, str], wednesday: date) -> None:
    monday = wednesday - timedelta(days=2)

    result = run("intensity", "--at", f"{monday}", env=env, check=True)

    assert f"levels at {monday} 00:00 (Europe/Berlin)" in result.stdout
    assert "system  level     interval  failures  latency  response  cause" in result.stdout
    assert "sap-fi  elevated  2m        3         3s       2h        Month-end closing (before)" in result.stdout  # fmt: skip


def test_timeline_json_lists_the_boundaries(env: dict[str, str], wednesday: date) -> None:
    start, end = wednesday - timedelta(days=7), wednesday + timedelta(days=7)

    result = run(
        "intensity", "timeline", "--from", f"{start}", "--to", f"{end}", "--json",
        env=env, check=True,
    )  # fmt: skip

    document = json.loads(result.stdout)
    assert (document["from"], document["to"]) == (midnight(start), midnight(end))
    (sap,) = document["systems"]
    assert sap["system"] == "sap-fi"
    ramp, closing, after = (wednesday + timedelta(days=n) for n in (-2, 0, 3))
    assert [(s["start"], s["end"], s["level"]) for s in sap["segments"]] == [
        (midnight(start), midnight(ramp), "normal"),
        (midnight(ramp), midnight(closing), "elevated"),
        (midnight(closing), midnight(after), "high"),
        (midnight(after), midnight(after + timedelta(days=1)), "elevated"),
        (midnight(after + timedelta(days=1)), midnight(end), "normal"),
    ]
    assert [[c["phase"] for c in s["causes"]] for s in sap["segments"]] == [
        [], ["before"], ["during"], ["after"], []
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("intensity", "--at", "next friday"), "--at: 'next friday' is not a date"),
        (("intensity", "timeline", "--from", "2026-12-01", "--to", "2026-11-01"),
         "--to must be after --from"),
    ],
    ids=["unparseable-time", "to-before-from"],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run(*args, env=env)

    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"closewatch: error: {message}")
    assert "Traceback" not in result.stderr
