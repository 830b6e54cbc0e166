"""The built wheel carries the templates; the code finds them installed or in a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from monitor.paths import templates_dir

# Nothing here depends on the date: it runs once, at the real date (not in tests/run_at_dates.sh).
pytestmark = pytest.mark.dateless

ROOT = Path(__file__).resolve().parents[2]


def test_templates_are_found() -> None:
    for used in (
        "pages/dashboard.html",
        "notices/en/heads_up/subject.txt",
        "static/closewatch.css",
    ):
        assert (templates_dir() / used).is_file(), used


def test_wheel_contains_packages_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("closewatch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert {
        "monitor/_templates/pages/dashboard.html",
        "monitor/_templates/notices/de/resolved/html.html",
        "monitor/_templates/static/closewatch.css",
    } <= names
    assert "monitor/migrations/versions/0001_initial_schema.py" in names
    assert "monitor/migrations/script.py.mako" in names
    assert {"calendars/__init__.py", "notifiers/__init__.py", "monitor/cli/__init__.py"} <= names
    assert not any(name.startswith("tests/") for name in names)
