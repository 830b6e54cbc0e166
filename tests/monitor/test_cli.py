"""The closewatch command, run as a user runs it: a real process, its output and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from monitor.db.engine import make_engine, session_scope
from monitor.db.migrate import head_revision, upgrade
from monitor.db.models import Calendar
from tests.monitor.samples import INVENTORY, MONTH_END, TEAM_LUNCH, event, ics, moved

pytestmark = pytest.mark.wallclock  # each test runs the command line, on the real date

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")


def run(*args: str, env: dict[str, str], check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [CLOSEWATCH, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    return {
        **clean,
        "CLOSEWATCH_DATA_DIR": str(tmp_path / "data"),
        "CLOSEWATCH_TIMEZONE": "Europe/Berlin",
    }


@pytest.fixture
def calendar_file(tmp_path: Path) -> Path:
    path = tmp_path / "closing.ics"
    path.write_bytes(ics(MONTH_END, INVENTORY, TEAM_LUNCH))
    return path


def test_preview_json_lists_occurrences_in_utc_with_z(
    calendar_file: Path, env: dict[str, str]
) -> None:
    result = run(
        "calendar", "preview", str(calendar_file), "--from", "2026-11-01", "--to", "2027-01-01", "--json",
        env=env, check=True,
    )  # fmt: skip

    document = json.loads(result.stdout)
    assert set(document) >= {"occurrences", "warnings"}
    assert document["occurrences"][0] == {
        **document["occurrences"][0],
        "title": "Month-end closing",
        "category": "month_end_close",
        "level": "high",
        "start": "2026-11-26T23:00:00Z",
        "end": "2026-12-01T23:00:00Z",
    }
    assert [o["title"] for o in document["occurrences"]] == [
        "Month-end closing", "Team lunch", "Month-end closing", "Year-end inventory count",
    ]  # fmt: skip
    assert any("Team lunch" in warning for warning in document["warnings"])
    assert not (Path(env["CLOSEWATCH_DATA_DIR"]) / "closewatch.db").exists()  # nothing stored


def test_preview_table_is_readable(calendar_file: Path, env: dict[str, str]) -> None:
    result = run(
        "calendar", "preview", str(calendar_file), "--from", "2026-11-01", env=env, check=True
    )

    assert "times in Europe/Berlin" in result.stdout
    assert "2026-11-27 00:00  2026-12-02 00:00  high" in result.stdout
    assert "Team lunch (unclassified)" in result.stdout


def test_preview_timezone_option_wins(tmp_path: Path, env: dict[str, str]) -> None:
    floating = tmp_path / "floating.ics"
    floating.write_bytes(ics(event("f@x", "Go-live", "20261203T090000", "20261203T170000")))

    result = run("calendar", "preview", str(floating), "--timezone", "America/New_York", "--json",
                 "--from", "2026-11-01", "--to", "2027-01-01", env=env, check=True)  # fmt: skip

    (occurrence,) = json.loads(result.stdout)["occurrences"]
    assert occurrence["start"] == "2026-12-03T14:00:00Z"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "the file is empty"),
        (b"Dear all, the closing starts Friday.\n", "not a calendar"),
        (ics(event("rr@x", "Close", "20261127", "20261128", "RRULE:FREQ=SOMETIMES")), "RRULE"),
        (ics(event("back@x", "Close", "20261130", "20261127")), "end"),
        ("BEGIN:VCALENDAR\nSUMMARY:Inventur M\xfcnchen\n".encode("latin-1"), "not UTF-8"),
        (
            ics(
                event("tz@x", "Close", "20261127", "20261128")
                .replace("DTSTART;VALUE=DATE:20261127", "DTSTART;TZID=Mars/Olympus:20261127T090000")
                .replace("DTEND;VALUE=DATE:20261128", "DTEND;TZID=Mars/Olympus:20261127T100000")
            ),
            "time zone",
        ),
    ],
    ids=["empty", "not-icalendar", "invalid-rrule", "end-before-start", "latin-1", "unknown-zone"],
)
def test_bad_file_is_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], content: bytes, fragment: str
) -> None:
    path = tmp_path / "bad.ics"
    path.write_bytes(content)

    result = run("calendar", "preview", str(path), env=env)

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("closewatch: error: bad.ics")
    assert fragment in lines[0]


def test_unknown_timezone_option_is_exit_2(calendar_file: Path, env: dict[str, str]) -> None:
    result = run("calendar", "preview", str(calendar_file), "--timezone", "Europe/Munich", env=env)

    assert result.returncode == 2
    assert "Europe/Munich" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_exit_2(env: dict[str, str]) -> None:
    result = run("calendar", "preview", "/nonexistent/closing.ics", env=env)

    assert (result.returncode, result.stderr.strip()) == (
        2,
        "closewatch: error: /nonexistent/closing.ics: no such file",
    )


def test_bad_setting_is_exit_2(calendar_file: Path, env: dict[str, str]) -> None:
    result = run(
        "calendar", "preview", str(calendar_file), env={**env, "CLOSEWATCH_TIMEZONE": "Mars/Base"}
    )

    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "closewatch: error: setting CLOSEWATCH_TIMEZONE: unknown time zone 'Mars/Base'"
    )


def test_import_then_reimport_updates_in_place(tmp_path: Path, env: dict[str, str]) -> None:
    # An import expands around the real date, so this calendar starts ten days after it.
    calendar_file = tmp_path / "closing.ics"
    soon = date.today() + timedelta(days=10)
    calendar_file.write_bytes(moved(ics(MONTH_END, INVENTORY, TEAM_LUNCH), soon))

    first = run("calendar", "import", str(calendar_file), "--name", "finance", env=env, check=True)
    again = run("calendar", "import", str(calendar_file), "--name", "finance", env=env, check=True)
    listed = run("calendar", "list", env=env, check=True)

    assert "calendar 'finance' created: 3 periods (+3 ~0 -0)" in first.stdout
    assert "calendar 'finance' updated: 3 periods (+0 ~3 -0)" in again.stdout
    assert "(+0 ~0 -0)" in again.stdout  # no occurrence duplicated or changed
    assert listed.stdout.splitlines() == ["finance\tics\tEurope/Berlin\t3 periods\t5 occurrences"]


def test_token_create_prints_the_secret_once_and_refuses_a_duplicate_name(
    env: dict[str, str],
) -> None:
    created = run("token", "create", "--role", "editor", "--name", "alice", env=env, check=True)
    duplicate = run("token", "create", "--role", "editor", "--name", "alice", env=env)
    bad_role = run("token", "create", "--role", "owner", "--name", "bob", env=env)

    assert created.stdout.startswith("cw_") and len(created.stdout.strip()) > 40
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
    assert bad_role.returncode == 2


def test_db_upgrade_reports_the_revision(env: dict[str, str]) -> None:
    result = run("db", "upgrade", env=env, check=True)

    assert result.stdout.strip() == f"database schema at revision {head_revision()}"


# --- hostile input: one line, exit 2, and nothing that rings the terminal -------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--name", "a/../b"), "--name: 'a/../b' cannot name a calendar"),
        (("--name", "finance", "--team", "ops\x07"), "--team: contains a control character (U+0007)"),
        (("--name", "finance", "--encoding", "rot13"), "'rot13' is not a text encoding"),
        (("--name", "finance", "--encoding", "zlib_codec"), "'zlib_codec' is not a text encoding"),
    ],
    ids=["slashes", "bell-in-team", "rot13", "zlib"],
)  # fmt: skip
def test_import_refuses_what_cannot_be_stored_in_one_line(
    calendar_file: Path, env: dict[str, str], args: tuple[str, ...], says: str
) -> None:
    result = run("calendar", "import", str(calendar_file), *args, env=env)

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr
    assert run("calendar", "list", env=env, check=True).stdout == ""


@pytest.mark.parametrize(
    "args",
    [("intensity", "timeline", "--from", "9999-01-01"), ("intensity", "--at", "9999-12-31T23:59"),
     ("notices", "plan", "--to", "0001-01-01")],
)  # fmt: skip
def test_a_year_out_of_range_is_exit_2(env: dict[str, str], args: tuple[str, ...]) -> None:
    result = run(*args, env=env)

    assert result.returncode == 2, result.stderr
    assert "the year must lie between 1900 and 2199" in result.stderr


def test_control_characters_in_a_file_never_reach_the_terminal(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "bell.ics"
    path.write_bytes(ics(event("b@x", "Close\x07\x1b[2J", "20261230", "20261231")))
    broken = tmp_path / "broken.ics"
    broken.write_bytes(ics(event("b@x", "Close\x1b]0;owned\x07", "20261230", "20261228")))

    table = run("calendar", "preview", str(path), "--from", "2026-12-01", "--to", "2027-01-31", env=env)  # fmt: skip
    error = run("calendar", "preview", str(broken), env=env)

    assert table.returncode == 0, table.stderr
    assert "Close[2J" in table.stdout and "control characters removed" in table.stdout
    assert error.returncode == 2 and "end before start" in error.stderr
    assert "Close\\x1b]0;owned\\x07" in error.stderr  # the error names the event, escaped
    for output in (table.stdout, table.stderr, error.stdout, error.stderr):
        assert "\x07" not in output and "\x1b" not in output


def test_a_name_stored_with_an_escape_is_listed_escaped(env: dict[str, str]) -> None:
    Path(env["CLOSEWATCH_DATA_DIR"]).mkdir(parents=True)
    engine = make_engine(f"sqlite:///{env['CLOSEWATCH_DATA_DIR']}/closewatch.db")
    upgrade(engine)
    with session_scope(engine) as session:
        session.add(Calendar(name="old\x1b[31m", timezone="UTC", format="ics", source=b"",
                             content_hash=""))  # fmt: skip
    engine.dispose()

    listed = run("calendar", "list", env=env, check=True)

    assert listed.stdout.startswith("old\\x1b[31m\tics")
