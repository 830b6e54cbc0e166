"""The TLS probe against real TLS servers on 127.0.0.1, with certificates made by trustme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.checks.base import Status
from monitor.checks.specs import TlsCheck
from monitor.checks.tls import judge_expiry, probe_tls
from tests.monitor.checks.servers import (
    Authority,
    new_authority,
    refusing_port,
    serve,
    wait_for_hang_up,
)

pytestmark = pytest.mark.wallclock  # a TLS handshake checks certificates against the real date

UP, DEGRADED, DOWN = Status.UP, Status.DEGRADED, Status.DOWN
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return new_authority(tmp_path_factory.mktemp("ca"))


def expiry_message(days: int) -> str:
    # Half a day more than whole days, so rounding down is never on a knife's edge.
    not_after = datetime.now(UTC) + timedelta(days=days, hours=12)
    return f"certificate expires in {days} days ({not_after:%Y-%m-%d})"


@pytest.mark.parametrize(
    ("days", "settings", "status"),
    [
        (100, {}, UP),
        (21, {"warn_days": 21, "fail_days": 7}, UP),
        (10, {"warn_days": 21, "fail_days": 7}, DEGRADED),
        (7, {"warn_days": 21, "fail_days": 7}, DEGRADED),
        (3, {"warn_days": 21, "fail_days": 7}, DOWN),
        (3, {"warn_days": 0, "fail_days": 0}, UP),
    ],
    ids=[
        "plenty-left",
        "warn-day-itself",
        "near-expiry",
        "fail-day-itself",
        "too-close",
        "no-limits",
    ],
)
async def test_judges_the_days_the_certificate_has_left(
    authority: Authority, days: int, settings: dict[str, Any], status: Status
) -> None:
    context = authority.server_context(expires_in=timedelta(days=days, hours=12))
    async with serve(wait_for_hang_up, context) as port:
        spec = TlsCheck(
            name="site", host="127.0.0.1", port=port, ca_file=authority.ca_file, **settings
        )
        outcome = await probe_tls(spec)
    assert (outcome.status, outcome.message) == (status, expiry_message(days))
    assert 0 < outcome.duration < 1


@pytest.mark.parametrize(
    ("expires_in", "settings", "message"),
    [
        (timedelta(days=-1), {}, "certificate not valid: certificate has expired"),
        (
            timedelta(days=100),
            {"server_name": "wrong.example"},
            "certificate not valid: Hostname mismatch, certificate is not valid for 'wrong.example'.",
        ),
        (
            timedelta(days=100),
            {"ca_file": None},
            "certificate not valid: unable to get local issuer certificate",
        ),
    ],
    ids=["expired", "wrong-hostname", "untrusted"],
)
async def test_a_certificate_that_fails_verification_is_down(
    authority: Authority, expires_in: timedelta, settings: dict[str, Any], message: str
) -> None:
    async with serve(wait_for_hang_up, authority.server_context(expires_in)) as port:
        spec = TlsCheck(name="site", host="127.0.0.1", port=port, ca_file=authority.ca_file)
        outcome = await probe_tls(spec.model_copy(update=settings))
    assert (outcome.status, outcome.message) == (DOWN, message)


async def test_server_name_is_the_name_verified(authority: Authority) -> None:
    async with serve(wait_for_hang_up, authority.server_context()) as port:
        spec = TlsCheck(
            name="site",
            host="127.0.0.1",
            port=port,
            server_name="localhost",
            ca_file=authority.ca_file,
        )
        outcome = await probe_tls(spec)
    assert outcome.status is UP


async def test_a_refused_connection_is_down(authority: Authority) -> None:
    with refusing_port() as port:
        outcome = await probe_tls(TlsCheck(name="site", host="127.0.0.1", port=port))
    assert (outcome.status, outcome.message) == (DOWN, "connection refused")


async def test_a_server_that_never_shakes_hands_times_out() -> None:
    async with serve(wait_for_hang_up) as port:  # plain TCP: accepts, then says nothing
        outcome = await probe_tls(TlsCheck(name="site", host="127.0.0.1", port=port, timeout=0.2))
    assert (outcome.status, outcome.message) == (DOWN, "timed out after 0.2 s")
    assert 0.2 <= outcome.duration < 0.5


@pytest.mark.parametrize(
    ("left", "status", "message"),
    [
        (timedelta(days=7), DEGRADED, "certificate expires in 7 days (2026-12-02)"),
        (timedelta(days=6, hours=23), DOWN, "certificate expires in 6 days (2026-12-02)"),
        (timedelta(days=1), DOWN, "certificate expires in 1 day (2026-11-26)"),
        (timedelta(hours=5), DOWN, "certificate expires in 0 days (2026-11-25)"),
    ],
)
def test_days_left_are_whole_days_rounded_down(
    left: timedelta, status: Status, message: str
) -> None:
    spec = TlsCheck(name="site", host="example.org", warn_days=21, fail_days=7)
    assert judge_expiry(NOW + left, NOW, spec) == (status, message)
