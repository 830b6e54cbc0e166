"""The TCP probe against real listeners on 127.0.0.1."""

from __future__ import annotations

import errno

from monitor.checks.base import Status
from monitor.checks.specs import TcpCheck
from monitor.checks.tcp import describe_connection_error, probe_tcp
from tests.monitor.checks.servers import refusing_port, serve, unanswered_port, wait_for_hang_up


def check(port: int, timeout: float = 2.0) -> TcpCheck:
    return TcpCheck(name="db", host="127.0.0.1", port=port, timeout=timeout)


async def test_a_listening_port_is_up() -> None:
    async with serve(wait_for_hang_up) as port:
        outcome = await probe_tcp(check(port))
    assert (outcome.status, outcome.message) == (Status.UP, "")
    assert 0 < outcome.duration < 1


async def test_localhost_by_name_is_up() -> None:
    async with serve(wait_for_hang_up) as port:
        outcome = await probe_tcp(check(port).model_copy(update={"host": "localhost"}))
    assert outcome.status is Status.UP


async def test_a_refused_connection_is_down() -> None:
    with refusing_port() as port:
        outcome = await probe_tcp(check(port))
    assert (outcome.status, outcome.message) == (Status.DOWN, "connection refused")


async def test_a_connection_never_accepted_times_out() -> None:
    with unanswered_port() as port:
        outcome = await probe_tcp(check(port, timeout=0.2))
    assert (outcome.status, outcome.message) == (Status.DOWN, "timed out after 0.2 s")
    assert 0.2 <= outcome.duration < 0.5


def test_refused_on_every_address_of_a_name_is_still_refused() -> None:
    # Python 3.11 folds one failure per address into a single errno-less OSError.
    folded = OSError(
        "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0), "
        "[Errno 111] Connect call failed ('127.0.0.1', 5432)"
    )
    mixed = OSError(
        "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0), "
        "[Errno 113] Connect call failed ('127.0.0.1', 5432)"
    )
    assert errno.ECONNREFUSED == 111
    assert describe_connection_error(folded) == "connection refused"
    assert describe_connection_error(mixed) == str(mixed)
