"""Fetching an .ics address from a real local server: conditional, bounded, guarded."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from monitor.subscriptions.address import (
    AddressPolicy,
    AddressRefused,
    parse_networks,
    subscription_url,
)
from monitor.subscriptions.fetch_http import MAX_REDIRECTS, Fetched, FetchFailed, Limits, fetch_ics
from monitor.subscriptions.secrets import Source
from tests.monitor.samples import MONTH_END, ics
from tests.monitor.subscriptions.calendar_server import CalendarHost, calendar_host

LOCAL = AddressPolicy(parse_networks("127.0.0.0/8"))
LIMITS = Limits(size=256 * 1024, timeout=10, policy=LOCAL)
CALENDAR = ics(MONTH_END)


@pytest.fixture
def host() -> Iterator[CalendarHost]:
    with calendar_host() as running:
        running.files["/closing.ics"] = CALENDAR
        yield running


def test_an_unchanged_calendar_costs_one_304(host: CalendarHost) -> None:
    first = fetch_ics(Source(host.url("/closing.ics")), LIMITS)
    again = fetch_ics(Source(host.url("/closing.ics")), LIMITS, etag=first.etag)

    assert first.data == CALENDAR and first.etag
    assert again == Fetched(None, first.etag)
    assert host.statuses("/closing.ics") == [200, 304]


def test_a_changed_calendar_comes_whole_with_its_new_etag(host: CalendarHost) -> None:
    first = fetch_ics(Source(host.url("/closing.ics")), LIMITS)
    host.files["/closing.ics"] = CALENDAR.replace(b"Month-end", b"Month end")

    again = fetch_ics(Source(host.url("/closing.ics")), LIMITS, etag=first.etag)

    assert again.data is not None and b"Month end" in again.data
    assert again.etag != first.etag


def test_a_gzip_body_is_decoded(host: CalendarHost) -> None:
    fetched = fetch_ics(Source(host.url("/gzip/closing.ics")), LIMITS)

    assert fetched.data == CALENDAR
    assert host.requests[-1][3]["Accept-Encoding"] == "gzip, deflate"


def test_five_redirects_are_followed_and_a_sixth_is_not(host: CalendarHost) -> None:
    followed = fetch_ics(Source(host.url(f"/redirect/{MAX_REDIRECTS}/closing.ics")), LIMITS)

    assert followed.data == CALENDAR
    with pytest.raises(FetchFailed, match="redirected more than 5 times"):
        fetch_ics(Source(host.url(f"/redirect/{MAX_REDIRECTS + 1}/closing.ics")), LIMITS)


def test_a_redirect_to_another_scheme_is_not_followed(host: CalendarHost) -> None:
    with pytest.raises(FetchFailed, match="redirected to a ftp address"):
        fetch_ics(Source(host.url("/elsewhere")), LIMITS)


def test_the_subscriptions_headers_do_not_follow_a_redirect_to_another_host(
    host: CalendarHost,
) -> None:
    port = host.base.rsplit(":", 1)[1]
    host.files["/hop.ics"] = CALENDAR
    source = Source(host.url("/redirect/1/hop.ics").replace("127.0.0.1", "localhost"),
                    headers=(("Authorization", "Bearer s3cret"),))  # fmt: skip

    fetch_ics(
        source,
        Limits(LIMITS.size, LIMITS.timeout, AddressPolicy(parse_networks("127.0.0.0/8,::1"))),
    )
    same_host = fetch_ics(Source(host.url("/redirect/1/hop.ics"), source.headers), LIMITS)

    assert same_host.data == CALENDAR
    seen = [
        (path, headers.get("Host", ""), headers.get("Authorization"))
        for _m, path, _s, headers in host.requests
    ]
    assert seen[0] == ("/redirect/1/hop.ics", f"localhost:{port}", "Bearer s3cret")
    assert seen[-1] == ("/hop.ics", f"127.0.0.1:{port}", "Bearer s3cret")


def test_a_body_past_the_size_limit_is_refused_also_when_it_inflates(host: CalendarHost) -> None:
    host.files["/big.ics"] = CALENDAR + b" " * 300_000

    with pytest.raises(FetchFailed, match="more than the limit of 262144 bytes"):
        fetch_ics(Source(host.url("/big.ics")), LIMITS)
    with pytest.raises(FetchFailed, match="more than the limit of 262144 bytes"):
        fetch_ics(Source(host.url("/gzip/big.ics")), LIMITS)


def test_a_source_slower_than_the_timeout_fails(host: CalendarHost) -> None:
    host.slow_seconds = 3

    with pytest.raises(FetchFailed, match=r"did not answer within 0\.5 s"):
        fetch_ics(Source(host.url("/slow/closing.ics")), Limits(LIMITS.size, 0.5, LOCAL))


def test_an_error_status_fails_naming_only_the_host(host: CalendarHost) -> None:
    with pytest.raises(FetchFailed) as failed:
        fetch_ics(Source(host.url("/private-abc123/basic.ics")), LIMITS)

    assert str(failed.value) == f"{host.base}/… answered HTTP 404 Not Found"


def test_loopback_is_refused_unless_its_network_is_allowed(host: CalendarHost) -> None:
    public_only = Limits(LIMITS.size, LIMITS.timeout, AddressPolicy())

    with pytest.raises(
        FetchFailed, match=r"127.0.0.1 is at 127.0.0.1, not a public address \(loopback\)"
    ):
        fetch_ics(Source(host.url("/closing.ics")), public_only)
    assert host.requests == []  # not even connected


@pytest.mark.parametrize(
    ("address", "kind"),
    [("169.254.169.254", "link-local"), ("10.0.0.1", "private"), ("::1", "loopback"),
     ("0.0.0.0", "unspecified"), ("::ffff:127.0.0.1", "loopback"), ("224.0.0.1", "multicast")],
)  # fmt: skip
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    with pytest.raises(AddressRefused, match=rf"not a public address \({kind}\)"):
        AddressPolicy().check("calendar.example", address)


def test_public_addresses_pass() -> None:
    AddressPolicy().check("calendar.example", "93.184.215.14")
    AddressPolicy().check("calendar.example", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")


@pytest.mark.parametrize(
    ("given", "fetched"),
    [("webcal://calendar.example/a.ics", "https://calendar.example/a.ics"),
     ("HTTPS://calendar.example", "https://calendar.example/"),
     ("http://calendar.example:8080/c?x=1#frag", "http://calendar.example:8080/c?x=1")],
)  # fmt: skip
def test_webcal_is_fetched_as_https(given: str, fetched: str) -> None:
    assert subscription_url(given) == fetched


@pytest.mark.parametrize(
    ("given", "message"),
    [("ftp://calendar.example/a.ics", "only http, https and webcal"),
     ("file:///etc/passwd", "only http, https and webcal"),
     ("https://bob:pw@calendar.example/a.ics", "in their own fields"),
     ("https:///a.ics", "names no host"),
     ("https://calendar.example:99999/", "port"),
     ("https://calendar.example/a b", "no spaces")],
)  # fmt: skip
def test_addresses_that_cannot_be_subscribed_to(given: str, message: str) -> None:
    with pytest.raises(AddressRefused, match=message):
        subscription_url(given)


def test_the_address_stays_out_of_the_logs(
    host: CalendarHost, caplog: pytest.LogCaptureFixture
) -> None:
    host.files["/private-1f9b/basic.ics"] = CALENDAR
    caplog.set_level(logging.DEBUG)

    fetch_ics(Source(host.url("/private-1f9b/basic.ics")), LIMITS)
    with pytest.raises(FetchFailed):
        fetch_ics(Source(host.url("/private-1f9b/gone.ics")), LIMITS)

    assert "private-1f9b" not in caplog.text
