"""``closewatch calendar subscribe`` and ``refresh``, run as a user runs them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.monitor.samples import event, ics
from tests.monitor.subscriptions.calendar_server import CalendarHost, calendar_host
from tests.monitor.test_cli import run

pytestmark = pytest.mark.wallclock  # the command line and a calendar server, on the real date

SECRET_PATH = "/private-77aa/basic.ics"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEWATCH_")}
    return {**clean, "CLOSEWATCH_DATA_DIR": str(tmp_path / "data"),
            "CLOSEWATCH_SUBSCRIPTION_NETWORKS": "127.0.0.0/8"}  # fmt: skip


def _count(day: datetime) -> bytes:
    # Around the real date: the command reads the wall clock, as it does for a user.
    return ics(
        event("count@acme", "Inventory count", f"{day:%Y%m%d}", f"{day + timedelta(days=2):%Y%m%d}")
    )


@pytest.fixture
def host() -> Iterator[CalendarHost]:
    with calendar_host() as running:
        running.files[SECRET_PATH] = _count(datetime.now(UTC) + timedelta(days=20))
        yield running


def test_subscribe_then_refresh_unchanged_changed_and_failing(
    env: dict[str, str], host: CalendarHost
) -> None:
    made = run("calendar", "subscribe", "inventory", host.url(SECRET_PATH), "--every", "15m",
               "--header", "Authorization: Bearer cli-s3cret", env=env, check=True)  # fmt: skip
    unchanged = run("calendar", "refresh", "inventory", env=env, check=True)
    host.files[SECRET_PATH] = _count(datetime.now(UTC) + timedelta(days=21))
    changed = run("calendar", "refresh", "inventory", env=env, check=True)
    del host.files[SECRET_PATH]
    failed = run("calendar", "refresh", "inventory", env=env)

    assert (
        made.stdout
        == "calendar 'inventory' subscribed, fetched every 15m: 1 periods, 1 occurrences\n"
    )
    assert unchanged.stdout == "calendar 'inventory' is unchanged\n"
    assert changed.stdout == "calendar 'inventory' refreshed: 1 periods, 1 occurrences (+0 ~1 -0)\n"
    assert failed.returncode == 1
    assert failed.stderr.splitlines(keepends=True)[-1] == (
        f"calendar 'inventory' not refreshed, its last good version stays: {host.base}/… answered HTTP 404 Not Found\n"
    )
    assert host.statuses(SECRET_PATH) == [200, 304, 200, 404]
    assert [h.get("Authorization") for *_r, h in host.requests] == ["Bearer cli-s3cret"] * 4
    listed = run("calendar", "list", env=env, check=True)
    assert listed.stdout.startswith("inventory\tics\t")


@pytest.mark.parametrize(
    ("args", "message"),
    [(("inventory", "ftp://127.0.0.1/a.ics"), "URL: only http, https and webcal addresses"),
     (("a/../b", "https://calendar.example/a.ics"), "NAME: 'a/../b' cannot name a calendar"),
     (("inventory", "https://calendar.example/a.ics", "--every", "5s"), "--every: every is from 10s to 7d, not 5s"),
     (("inventory", "https://calendar.example/a.ics", "--header", "no colon"), "--header: 'no colon' is not a header"),
     (("inventory", "http://169.254.169.254/latest/meta-data"), "URL: 169.254.169.254 is at 169.254.169.254, not a public address (link-local)")],
)  # fmt: skip
def test_subscribe_refuses_in_one_line(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    refused = run("calendar", "subscribe", *args, env=env)

    assert refused.returncode == 2
    assert refused.stderr.startswith(f"closewatch: error: {message}"), refused.stderr
    assert refused.stderr.count("\n") == 1


def test_refresh_of_no_subscription_says_so(env: dict[str, str]) -> None:
    refused = run("calendar", "refresh", "nothing", env=env)

    assert (refused.returncode, refused.stderr) == (
        2,
        "closewatch: error: no subscription named 'nothing'\n",
    )
