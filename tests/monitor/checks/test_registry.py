"""The registry: every kind of check has a probe, and a broken probe is only a down check."""

from __future__ import annotations

import asyncio
import logging
import typing

import pytest

from monitor.checks import PROBES, run_probe
from monitor.checks.base import Status
from monitor.checks.http import probe_http
from monitor.checks.specs import CheckSpec, HttpCheck, TcpCheck, TlsCheck
from monitor.checks.tcp import probe_tcp
from monitor.checks.tls import probe_tls
from tests.monitor.checks.servers import answer_http, serve


def test_every_kind_of_check_has_its_probe() -> None:
    union, _field = typing.get_args(CheckSpec)
    kinds = {model.model_fields["kind"].default for model in typing.get_args(union)}
    assert set(PROBES) == kinds
    assert PROBES["http"] is probe_http
    assert PROBES["tcp"] is probe_tcp
    assert PROBES["tls"] is probe_tls


async def test_dispatches_by_kind() -> None:
    async with serve(answer_http) as port:
        web = await run_probe(HttpCheck(name="web", url=f"http://127.0.0.1:{port}/error"))
        tcp = await run_probe(TcpCheck(name="port", host="127.0.0.1", port=port))
    assert (web.status, web.message) == (Status.DOWN, "HTTP 500 (expected 200)")
    assert (tcp.status, tcp.message) == (Status.UP, "")


async def test_a_broken_check_is_down_and_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A CA file that is not there is the check's fault, not the target's: the probe raises.
    broken = TlsCheck(name="site", host="127.0.0.1", ca_file="/nonexistent/ca.pem")
    async with serve(answer_http) as port:
        with caplog.at_level(logging.ERROR, logger="monitor.checks"):
            failed, healthy = await asyncio.gather(
                run_probe(broken),
                run_probe(HttpCheck(name="web", url=f"http://127.0.0.1:{port}/ok")),
            )
    assert failed.status is Status.DOWN
    assert failed.message == (
        "probe error: cannot load CA file /nonexistent/ca.pem: No such file or directory"
    )
    assert healthy.status is Status.UP
    [record] = caplog.records
    assert record.exc_info is not None
    assert "'site'" in record.getMessage()
