"""HTTP probe: one request on a new connection, judged by its status and body.

Like blackbox_exporter, every check opens its own connection and sends
``Connection: close``: up must mean the target accepts new connections now, not
that an old pooled one still works. Redirects are not followed; a 301 is judged
against ``expect_status`` like any other status.

The exchange is h11 (the HTTP/1.1 state machine inside httpx) on an asyncio
stream: measured against a local server, httpx without keep-alive took about four
times the CPU per check, and the scheduler must run a thousand checks a second on
one core.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from dataclasses import dataclass
from importlib.metadata import version
from urllib.parse import SplitResult, urlsplit

import h11

from monitor.checks.base import Outcome, Status
from monitor.checks.pattern import compile_pattern
from monitor.checks.specs import HttpCheck
from monitor.checks.tcp import describe_connection_error, timed_out
from monitor.checks.tls import client_context

USER_AGENT = f"closewatch/{version('closewatch')}"
MAX_BODY = 1024 * 1024  # bytes read for matching; the rest is never read
# Judging a larger body (decoding it, a pattern over it) runs in a thread, so the timeout holds.
JUDGE_HERE_BYTES = 64 * 1024
READ_SIZE = 64 * 1024
CHARSET = re.compile(rb"""charset=["']?([\w.:-]+)""", re.IGNORECASE)


class NoResponseError(Exception):
    """The target closed the connection before sending any HTTP response."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    content_type: bytes
    body: bytes  # at most MAX_BODY bytes


async def probe_http(spec: HttpCheck) -> Outcome:
    started = time.perf_counter()
    url = urlsplit(spec.url)
    tls = client_context(spec.ca_file, spec.verify_tls) if url.scheme == "https" else None
    try:
        # The verdict is inside the timeout too: no check outlives its timeout.
        async with asyncio.timeout(spec.timeout):
            response = await fetch(spec, url, tls)
            if len(response.body) > JUDGE_HERE_BYTES and _reads_body(spec):
                status, message = await asyncio.to_thread(judge, spec, response)
            else:
                status, message = judge(spec, response)
    except TimeoutError:
        status, message = Status.DOWN, timed_out(spec.timeout)
    except OSError as exc:
        status, message = Status.DOWN, describe_connection_error(exc)
    except NoResponseError:
        status, message = Status.DOWN, "connection closed without an HTTP response"
    except h11.RemoteProtocolError as exc:
        status, message = Status.DOWN, f"bad HTTP response: {exc}"
    return Outcome(status, time.perf_counter() - started, message)


def _reads_body(spec: HttpCheck) -> bool:
    return spec.body_contains is not None or spec.body_pattern is not None


def judge(spec: HttpCheck, response: Response) -> tuple[Status, str]:
    if response.status not in spec.expect_status:
        expected = " or ".join(str(status) for status in spec.expect_status)
        return Status.DOWN, f"HTTP {response.status} (expected {expected})"
    if not _reads_body(spec):
        return Status.UP, ""
    text = decode_body(response)
    if spec.body_contains is not None and spec.body_contains not in text:
        return Status.DOWN, f"body does not contain {spec.body_contains!r}"
    if spec.body_pattern is not None:
        try:
            pattern = compile_pattern(spec.body_pattern)
        except ValueError as exc:  # stored before patterns ran on RE2
            return Status.DOWN, f"body_pattern cannot be used, save the check again: {exc}"
        if not pattern.search(text):
            return Status.DOWN, f"body does not match {spec.body_pattern!r}"
    return Status.UP, ""


async def fetch(spec: HttpCheck, url: SplitResult, tls: ssl.SSLContext | None) -> Response:
    reader, writer = await asyncio.open_connection(
        url.hostname,
        url.port or (443 if tls else 80),
        ssl=tls,
        server_hostname=url.hostname if tls else None,
    )
    try:
        return await exchange(reader, writer, spec, url)
    finally:
        # The verdict needs nothing more from this connection; a hung peer gets no goodbye.
        writer.transport.abort()


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, spec: HttpCheck, url: SplitResult
) -> Response:
    """Send one request and read one response, up to MAX_BODY bytes of its body."""
    connection = h11.Connection(h11.CLIENT)
    body = b"" if spec.body is None else spec.body.encode()
    outgoing = connection.send(request_for(spec, url, body))
    if body:
        outgoing += connection.send(h11.Data(data=body))
    writer.write(outgoing + connection.send(h11.EndOfMessage()))

    status, content_type, chunks, size = 0, b"", [], 0
    while size < MAX_BODY:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(READ_SIZE)
            if not data and not status:
                raise NoResponseError
            connection.receive_data(data)
        elif isinstance(event, h11.InformationalResponse | h11.Response):
            # A 1xx is followed by the real response, unless it switches protocols.
            status = event.status_code
            content_type = dict(event.headers).get(b"content-type", b"")
        elif isinstance(event, h11.Data):
            chunks.append(event.data)
            size += len(event.data)
        else:  # EndOfMessage, ConnectionClosed, or PAUSED after a protocol switch
            break
    return Response(status, content_type, b"".join(chunks)[:MAX_BODY])


def request_for(spec: HttpCheck, url: SplitResult, body: bytes) -> h11.Request:
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    headers = {
        "host": ("Host", url.netloc.rpartition("@")[2]),
        "user-agent": ("User-Agent", USER_AGENT),
        "connection": ("Connection", "close"),
    }
    if spec.body is not None:
        headers["content-length"] = ("Content-Length", str(len(body)))
    # The check's own headers win, whatever their case, except Connection: each check
    # must open and close its own connection, or "up" would not mean "accepts connections now".
    headers |= {
        name.lower(): (name, value)
        for name, value in spec.headers.items()
        if name.lower() != "connection"
    }
    return h11.Request(method=spec.method, target=target, headers=list(headers.values()))


def decode_body(response: Response) -> str:
    charset = CHARSET.search(response.content_type)
    try:
        return response.body.decode(charset[1].decode() if charset else "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return response.body.decode("utf-8", "replace")
