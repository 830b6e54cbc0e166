"""Fetching an ``.ics`` address: conditional, bounded, and only where the policy allows.

One GET, with ``If-None-Match`` and ``If-Modified-Since`` from the last good
fetch, so an unchanged calendar costs one ``304 Not Modified``. At most
:data:`MAX_REDIRECTS` redirects, each to ``http`` or ``https`` and checked
against the address policy again; the subscription's own headers
(``Authorization``) are not sent on to another host. The body may be gzip- or
deflate-encoded; it is decoded here, a bounded piece at a time, so neither the
download nor what it inflates to exceeds ``limit`` bytes. The whole fetch,
redirects included, ends after ``timeout`` seconds.

Errors are :class:`FetchFailed` with a message that names the address by its
hint only: the address itself may be a secret.
"""

from __future__ import annotations

import base64
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from monitor.subscriptions.address import AddressPolicy, AddressRefused, GuardedBackend
from monitor.subscriptions.quiet import quiet_libraries
from monitor.subscriptions.secrets import Source, address_hint

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "closewatch (calendar subscription)"


class FetchFailed(Exception):
    """A fetch that gave no calendar, with why, in words that do not reveal the address."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetch's result: ``data`` None when the source said it is unchanged (304)."""

    data: bytes | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    size: int  # bytes, after decoding
    timeout: float  # seconds, for the whole fetch
    policy: AddressPolicy


def fetch_ics(
    source: Source, limits: Limits, *, etag: str | None = None, last_modified: str | None = None
) -> Fetched:
    """GET ``source.url``, conditionally; FetchFailed saying why not."""
    with quiet_libraries():  # httpx logs the whole address, which may be a secret
        return _fetch(source, limits, etag=etag, last_modified=last_modified)


def _fetch(
    source: Source, limits: Limits, *, etag: str | None, last_modified: str | None
) -> Fetched:
    hint = address_hint(source.url)
    deadline = time.monotonic() + limits.timeout
    url = source.url
    own_host = urlsplit(url).hostname
    transport = httpx.HTTPTransport(trust_env=False)
    # Connections go through the guarded backend: the checked address is the one connected to.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        network_backend=GuardedBackend(limits.policy),
    )
    with httpx.Client(transport=transport, timeout=limits.timeout, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5",
                       "Accept-Encoding": "gzip, deflate"}  # fmt: skip
            if urlsplit(url).hostname == own_host:
                if source.username is not None:
                    pair = f"{source.username}:{source.password or ''}".encode()
                    headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
                headers.update(dict(source.headers))
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
            try:
                with client.stream("GET", url, headers=headers) as response:
                    if response.status_code in REDIRECTS:
                        url = _redirect_target(response, hint)
                        continue
                    if response.status_code == 304:
                        return Fetched(None, etag, last_modified)
                    if response.status_code != 200:
                        raise FetchFailed(f"{hint} answered HTTP {response.status_code} {response.reason_phrase}")  # fmt: skip
                    data = _read_body(response, limits.size, deadline, hint)
                    return Fetched(
                        data,
                        response.headers.get("ETag"),
                        response.headers.get("Last-Modified"),
                    )
            except AddressRefused as exc:
                raise FetchFailed(str(exc)) from None
            except httpx.TimeoutException:
                raise FetchFailed(f"{hint} did not answer within {limits.timeout:g} s") from None
            except (httpx.HTTPError, httpcore.ConnectError) as exc:
                raise FetchFailed(f"{hint} could not be reached ({type(exc).__name__})") from None
        raise FetchFailed(f"{hint} redirected more than {MAX_REDIRECTS} times")


def _redirect_target(response: httpx.Response, hint: str) -> str:
    location: str | None = response.headers.get("Location")
    if not location:
        raise FetchFailed(f"{hint} redirected without saying where to")
    target = urljoin(str(response.url), location)
    if urlsplit(target).scheme not in ("http", "https"):
        raise FetchFailed(f"{hint} redirected to a {urlsplit(target).scheme or 'bad'} address; only http and https are followed")  # fmt: skip
    return target


def _read_body(response: httpx.Response, limit: int, deadline: float, hint: str) -> bytes:
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflate = zlib.decompressobj()
    elif encoding in ("identity", ""):
        inflate = None
    else:
        raise FetchFailed(f"{hint} sent the calendar in an encoding closewatch cannot read ({encoding})")  # fmt: skip
    body = bytearray()
    too_large = FetchFailed(f"{hint} sent more than the limit of {limit} bytes (CLOSEWATCH_MAX_UPLOAD_BYTES)")  # fmt: skip
    try:
        for chunk in response.iter_raw(64 * 1024):
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the whole fetch took too long")
            if inflate is None:
                body += chunk
            else:
                pending = chunk
                while pending:
                    body += inflate.decompress(pending, limit + 1 - len(body))
                    pending = inflate.unconsumed_tail
                    if len(body) > limit:
                        break
            if len(body) > limit:
                raise too_large
        if inflate is not None:
            body += inflate.flush()
    except zlib.error:
        raise FetchFailed(f"{hint} sent a damaged {encoding} body") from None
    if len(body) > limit:
        raise too_large
    return bytes(body)
