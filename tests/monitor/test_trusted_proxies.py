"""Behind a reverse proxy, the sign-in limit counts each visitor, not the proxy.

A real ``closewatch serve``: the test connects from 127.0.0.1, as a proxy on the
same host would, and says whom it forwards for in X-Forwarded-For.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from monitor.api.signin_limit import FAILURES
from tests.served import closewatch_serve

pytestmark = pytest.mark.dateless


def signin_as(client: httpx.Client, visitor: str) -> int:
    """One sign-in with a wrong token, forwarded for ``visitor``; the answer's status."""
    headers = {"X-Forwarded-For": visitor}
    form = client.get("/signin", headers=headers)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text
    data = {"csrf": csrf.group(1), "token": "cw_not-a-token"}
    return client.post("/signin", data=data, headers=headers).status_code


@pytest.mark.parametrize(
    ("trusted", "second_visitor"),
    [("127.0.0.1", 401), ("192.0.2.1", 429)],
    ids=["proxy-trusted", "proxy-not-trusted"],
)
def test_the_sign_in_limit_counts_the_forwarded_visitor_only_from_a_trusted_proxy(
    tmp_path: Path, trusted: str, second_visitor: int
) -> None:
    env = {"CLOSEWATCH_TRUSTED_PROXIES": trusted}
    with closewatch_serve(tmp_path, env) as served, httpx.Client(base_url=served.base) as client:
        tries = [signin_as(client, "203.0.113.5") for _ in range(FAILURES + 1)]
        other = signin_as(client, "203.0.113.6")

    assert tries == [401] * FAILURES + [429]
    assert other == second_visitor
