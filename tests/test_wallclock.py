"""The wallclock guard and the date shares (tests/wallclock.py), run on a small suite of their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.dateless  # about the suite's plumbing: it starts pytest

ROOT = Path(__file__).resolve().parents[1]
SUITE = """
import subprocess
from datetime import UTC, datetime

import pytest

from monitor.clock import system_clock


def today():
    return datetime.now(UTC).date()


@pytest.fixture
def started():
    subprocess.run(["true"], check=True)


def test_pinned():
    assert 1 + 1 == 2


def test_pinned_too():
    assert "a" < "b"


def test_reads_the_clock_unmarked():
    system_clock()


@pytest.mark.wallclock
def test_reads_the_clock_marked():
    system_clock()


def test_starts_a_process_unmarked():
    subprocess.run(["true"], check=True)


def test_uses_a_fixture_that_started_a_process(started):
    pass


def test_reads_the_date_through_a_helper():
    assert today().year > 2000


@pytest.mark.dateless
def test_dateless_starts_a_process():
    subprocess.run(["true"], check=True)
"""
WALLCLOCK = {"test_reads_the_clock_marked", "test_reads_the_date_through_a_helper"}


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("CLOSEWATCH_TEST_DATE_SHARE", raising=False)
    pytester.makeini("[pytest]\nmarkers =\n    wallclock: x\n    dateless: x\n")
    pytester.makeconftest('pytest_plugins = ["tests.wallclock"]')
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def test_a_test_that_takes_the_real_date_unmarked_fails_saying_how(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-rA")

    outcomes = {
        name: outcome
        for outcome, name in re.findall(r"^(PASSED|FAILED) \S+::(\w+)", result.stdout.str(), re.M)
    }
    assert outcomes == {
        "test_pinned": "PASSED",
        "test_pinned_too": "PASSED",
        "test_reads_the_clock_unmarked": "FAILED",
        "test_reads_the_clock_marked": "PASSED",
        "test_starts_a_process_unmarked": "FAILED",
        "test_uses_a_fixture_that_started_a_process": "FAILED",
        "test_reads_the_date_through_a_helper": "PASSED",  # marked at collection
        "test_dateless_starts_a_process": "PASSED",
    }
    result.stdout.fnmatch_lines(
        [
            "*takes the real date (monitor.clock.system_clock()) but is not marked wallclock*",
            "*takes the real date (started true) but is not marked wallclock*",
        ]
    )


def test_the_shares_keep_every_wallclock_test_and_split_the_others(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = []
    for share in range(4):
        monkeypatch.setenv("CLOSEWATCH_TEST_DATE_SHARE", f"{share}/4")
        result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-q")
        chosen.append(set(re.findall(r"::(\w+)$", result.stdout.str(), re.M)))

    everything = set(re.findall(r"^def (test_\w+)", SUITE, re.M))
    assert all(names >= WALLCLOCK for names in chosen)
    others = [names - WALLCLOCK for names in chosen]
    assert sorted(name for names in others for name in names) == sorted(everything - WALLCLOCK)
