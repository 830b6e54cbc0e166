"""Which tests take the real date, and which shifted date runs which test.

Most tests run on a pinned clock (conftest's ``PinnedClock``, ``NOW``): the date the machine
says cannot change what they do. A test that starts a process (the command line, a served
instance, a server it talks to) or reads the machine's clock takes the real date instead,
and is marked ``wallclock``. A test whose own code (or a helper or fixture of its module)
calls ``datetime.now``, ``date.today`` or ``datetime.today`` is marked so here, at collection.

tests/run_at_dates.sh runs the suite at four shifted dates. With
``CLOSEWATCH_TEST_DATE_SHARE=k/n`` a run keeps every ``wallclock`` test and one share of
the others (by a stable hash of the test's id), so the four runs together run each pinned
test once, at one shifted date, and each ``wallclock`` test at all four.

Sharing is safe only if the marks are right, so a guard checks them at every run: a test
marked neither ``wallclock`` nor ``dateless`` fails if it, or a fixture it uses, reads the wall
clock through ``monitor.clock.system_clock`` (the one place closewatch reads it) or starts a
process. Row stamps (``created_at``) still take the wall clock; no pinned test's outcome
depends on them, and each pinned test still runs at the real date and at one shifted date.
The browser, deployment, fault and schemathesis suites are all processes: wallclock, whole.
"""

from __future__ import annotations

import ast
import os
import subprocess
import threading
import zlib
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import monitor.clock

SHARE_VARIABLE = "CLOSEWATCH_TEST_DATE_SHARE"
PROCESS_SUITES = ("tests/ui/", "tests/deploy/", "tests/faults/")
DATE_READERS = {
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("date", "today"),
}

_lock = threading.Lock()
_reads: set[str] | None = None  # what the running test read of the real date; None between tests
_fixtures_being_set_up: list[str] = []
_fixture_reads: dict[str, set[str]] = {}  # a fixture's reads count for every test that uses it


def _note(what: str) -> None:
    with _lock:
        if _reads is not None:
            _reads.add(what)
        for name in _fixtures_being_set_up:
            _fixture_reads.setdefault(name, set()).add(what)


class _WatchedDatetime(datetime):
    """``monitor.clock``'s ``datetime``: ``system_clock`` reads the time through it."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        _note("monitor.clock.system_clock()")
        return datetime.now(tz)


_popen_init = subprocess.Popen.__init__


def _watched_popen_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
    program = args[0] if isinstance(args, list | tuple) else str(args).split()[0]
    _note(f"started {Path(str(program)).name}")
    _popen_init(self, args, *rest, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    # Module globals are looked up when called: system_clock's datetime.now is ours from here on.
    monitor.clock.datetime = _WatchedDatetime  # type: ignore[misc]
    subprocess.Popen.__init__ = _watched_popen_init  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    readers: dict[str, set[str]] = {}
    for item in items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        if item.nodeid.startswith(PROCESS_SUITES) or item.get_closest_marker("schemathesis"):
            item.add_marker(pytest.mark.wallclock)
            continue
        if module.__name__ not in readers:
            readers[module.__name__] = _functions_reading_the_date(module)
        names = {item.function.__name__, *getattr(item, "fixturenames", ())}  # type: ignore[attr-defined]
        if names & readers[module.__name__]:
            item.add_marker(pytest.mark.wallclock)

    share = os.environ.get(SHARE_VARIABLE)
    if not share:
        return
    index, count = (int(part) for part in share.split("/"))
    kept, left = [], []
    for item in items:
        ours = zlib.crc32(item.nodeid.encode()) % count == index
        (kept if ours or item.get_closest_marker("wallclock") else left).append(item)
    config.hook.pytest_deselected(items=left)
    items[:] = kept


def _functions_reading_the_date(module: ModuleType) -> set[str]:
    """The module's functions that read the machine's date, directly or through another."""
    try:
        tree = ast.parse(Path(module.__file__ or "").read_text())
    except (OSError, SyntaxError):
        return set()
    calls: dict[str, set[str]] = {}
    reading: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        called = calls.setdefault(function.name, set())
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            target = node.func
            if isinstance(target, ast.Name):
                called.add(target.id)
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and (target.value.id, target.attr) in DATE_READERS
            ):
                reading.add(function.name)
    while True:
        more = {name for name, called in calls.items() if called & reading} - reading
        if not more:
            return reading
        reading |= more


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any]) -> Iterator[Any]:
    _fixtures_being_set_up.append(fixturedef.argname)
    try:
        return (yield)
    finally:
        _fixtures_being_set_up.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    global _reads
    with _lock:
        _reads = set()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield  # a test that failed already is reported as it failed
    with _lock:
        reads = set(_reads or ())
        for name in getattr(item, "fixturenames", ()):
            reads |= _fixture_reads.get(name, set())
    if (
        reads
        and not item.get_closest_marker("wallclock")
        and not item.get_closest_marker("dateless")
    ):
        pytest.fail(
            f"this test takes the real date ({', '.join(sorted(reads))}) but is not marked "
            "wallclock: give it the pinned clock (the clock fixture), or mark it "
            "@pytest.mark.wallclock so that every shifted date runs it (tests/wallclock.py)",
            pytrace=False,
        )
    return result


def pytest_runtest_teardown() -> None:
    global _reads
    with _lock:
        _reads = None
