"""The HTTP probe against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from importlib.metadata import version
from typing import Any

import pytest
from pydantic import ValidationError

from monitor.checks.base import Status
from monitor.checks.http import probe_http
from monitor.checks.specs import HttpCheck
from monitor.fields import STORED
from tests.attacks import BACKTRACKING_PATTERN
from tests.monitor.checks.servers import (
    Authority,
    answer_http,
    new_authority,
    refusing_port,
    serve,
)

UP, DEGRADED, DOWN = Status.UP, Status.DEGRADED, Status.DOWN


@pytest.fixture
async def port() -> AsyncIterator[int]:
    async with serve(answer_http) as port:
        yield port


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return new_authority(tmp_path_factory.mktemp("ca"))


def check(url: str, **settings: Any) -> HttpCheck:
    return HttpCheck(name="web", url=url, **settings)


@pytest.mark.parametrize(
    ("path", "settings", "status", "message"),
    [
        ("/ok", {}, UP, ""),
        ("/ok", {"method": "HEAD"}, UP, ""),
        ("/error", {}, DOWN, "HTTP 500 (expected 200)"),
        ("/error", {"expect_status": 500}, UP, ""),
        ("/ok", {"expect_status": (201, 204)}, DOWN, "HTTP 200 (expected 201 or 204)"),
        ("/moved", {}, DOWN, "HTTP 301 (expected 200)"),
        ("/moved", {"expect_status": (301, 302)}, UP, ""),
        ("/ok", {"body_contains": "all good"}, UP, ""),
        ("/ok", {"body_contains": "maintenance"}, DOWN, "body does not contain 'maintenance'"),
        ("/ok", {"body_pattern": "^OK a.l"}, UP, ""),
        ("/ok", {"body_pattern": "^all"}, DOWN, "body does not match '^all'"),
        ("/error", {"body_contains": "OK"}, DOWN, "HTTP 500 (expected 200)"),
        ("/chunked", {"body_contains": "OK all good"}, UP, ""),
        ("/close-delimited", {"body_contains": "OK all good"}, UP, ""),
        ("/latin-1", {"body_contains": "Caf\N{LATIN SMALL LETTER E WITH ACUTE}"}, UP, ""),
        ("/big", {"body_contains": "TAIL"}, DOWN, "body does not contain 'TAIL'"),
        ("/slow/0.05", {"timeout": 2.0}, UP, ""),
    ],
    ids=[
        "ok",
        "head",
        "server-error",
        "error-expected",
        "status-not-in-list",
        "redirect-not-followed",
        "redirect-expected",
        "body-contains",
        "body-lacks",
        "body-pattern-matches",
        "body-pattern-misses",
        "status-judged-before-body",
        "chunked",
        "close-delimited",
        "declared-charset",
        "reads-at-most-1-mib",
        "slow-within-timeout",
    ],
)
async def test_judges_status_and_body(
    port: int, path: str, settings: dict[str, Any], status: Status, message: str
) -> None:
    outcome = await probe_http(check(f"http://127.0.0.1:{port}{path}", **settings))
    assert (outcome.status, outcome.message) == (status, message)
    assert 0 < outcome.duration < 2


@pytest.mark.parametrize("a_count", [28, 1024 * 1024 - 1])
async def test_a_backtracking_pattern_is_judged_in_one_pass(port: int, a_count: int) -> None:
    # Python's re takes 2^28 steps on 28 a's; RE2 reads the body once, even a whole MiB of it.
    spec = check(
        f"http://127.0.0.1:{port}/backtracking/{a_count}", body_pattern=BACKTRACKING_PATTERN
    )

    outcome = await probe_http(spec)

    assert (outcome.status, outcome.message) == (DOWN, "body does not match '(a+)+$'")
    assert outcome.duration < 1


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(ok)\\1", "invalid escape sequence: \\1"),
        ("(?=ok)", "invalid perl operator: (?="),
        ("(?<!not )ok", "invalid perl operator: (?<"),
        ("ok(", "missing ): ok("),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_naming_the_field(pattern: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check("http://sap.example.com/health", body_pattern=pattern)

    assert refused.value.errors()[0]["loc"] == ("body_pattern",)
    assert reason in str(refused.value)


async def test_a_stored_pattern_re2_cannot_run_makes_its_check_down_saying_so(port: int) -> None:
    stored = HttpCheck.model_validate(
        {"name": "web", "url": f"http://127.0.0.1:{port}/ok", "body_pattern": "(?=OK)"},
        context=STORED,
    )

    outcome = await probe_http(stored)

    assert outcome.status is DOWN
    assert outcome.message.startswith("body_pattern cannot be used, save the check again: ")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/close-at-once", "connection closed without an HTTP response"),
        ("/not-http", "connection closed without an HTTP response"),
        ("/garbage", "bad HTTP response: "),
    ],
)
async def test_a_broken_response_is_down(port: int, path: str, message: str) -> None:
    outcome = await probe_http(check(f"http://127.0.0.1:{port}{path}"))
    assert outcome.status is DOWN
    assert outcome.message.startswith(message)


async def test_sends_a_plain_request_that_closes_the_connection(port: int) -> None:
    spec = check(
        f"http://127.0.0.1:{port}/echo?page=2",
        method="POST",
        headers={"X-Probe": "yes"},
        body="ping",
    )
    seen = [
        "POST /echo?page=2",
        f"host: 127.0.0.1:{port}",
        f"user-agent: closewatch/{version('closewatch')}",
        "connection: close",
        "content-length: 4",
        "x-probe: yes",
        "\n\nping",
    ]
    for fragment in seen:
        outcome = await probe_http(spec.model_copy(update={"body_contains": fragment}))
        assert outcome.status is UP, fragment


async def test_the_checks_own_headers_replace_the_defaults(port: int) -> None:
    spec = check(f"http://127.0.0.1:{port}/echo", headers={"user-agent": "uptime-robot"})
    replaced = await probe_http(spec.model_copy(update={"body_pattern": "(?m)^user-agent: uptime"}))
    default_gone = await probe_http(spec.model_copy(update={"body_contains": "closewatch/"}))
    assert replaced.status is UP
    assert default_gone.status is DOWN


async def test_a_check_cannot_ask_to_keep_the_connection_open(port: int) -> None:
    spec = check(f"http://127.0.0.1:{port}/echo", headers={"Connection": "keep-alive"})

    outcome = await probe_http(spec.model_copy(update={"body_contains": "connection: close"}))

    assert outcome.status is UP


async def test_every_check_opens_a_new_connection() -> None:
    connections = 0

    async def counting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await answer_http(reader, writer)

    async with serve(counting) as port:
        for _ in range(3):
            assert (await probe_http(check(f"http://127.0.0.1:{port}/ok"))).status is UP
    assert connections == 3


async def test_refused_connection_is_down() -> None:
    with refusing_port() as port:
        outcome = await probe_http(check(f"http://127.0.0.1:{port}/"))
    assert (outcome.status, outcome.message) == (DOWN, "connection refused")


@pytest.mark.parametrize("path", ["/slow/5", "/hang"])
async def test_a_target_that_does_not_answer_in_time_is_down(port: int, path: str) -> None:
    outcome = await probe_http(check(f"http://127.0.0.1:{port}{path}", timeout=0.2))
    assert (outcome.status, outcome.message) == (DOWN, "timed out after 0.2 s")
    assert 0.2 <= outcome.duration < 0.5


async def test_a_hanging_target_does_not_delay_another_check(port: int) -> None:
    hanging, healthy = await asyncio.gather(
        probe_http(check(f"http://127.0.0.1:{port}/hang", timeout=0.5)),
        probe_http(check(f"http://127.0.0.1:{port}/ok", timeout=0.5)),
    )
    assert hanging.status is DOWN
    assert healthy.status is UP
    assert healthy.duration < 0.25


async def test_https_trusted_through_ca_file_is_up(authority: Authority) -> None:
    async with serve(answer_http, authority.server_context()) as port:
        outcome = await probe_http(
            check(f"https://127.0.0.1:{port}/ok", ca_file=authority.ca_file, body_contains="OK")
        )
    assert (outcome.status, outcome.message) == (UP, "")


async def test_https_with_an_untrusted_certificate_is_down(authority: Authority) -> None:
    async with serve(answer_http, authority.server_context()) as port:
        outcome = await probe_http(check(f"https://127.0.0.1:{port}/ok"))
    assert outcome.status is DOWN
    assert outcome.message.startswith("certificate not valid: ")


async def test_https_without_verification_accepts_any_certificate(authority: Authority) -> None:
    async with serve(answer_http, authority.server_context()) as port:
        outcome = await probe_http(check(f"https://127.0.0.1:{port}/ok", verify_tls=False))
    assert (outcome.status, outcome.message) == (UP, "")
