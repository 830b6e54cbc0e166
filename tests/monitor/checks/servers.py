"""Real servers on 127.0.0.1 for the probe tests, and the certificates they present.

``serve`` runs a connection handler on a free port (plain or TLS) and, on exit,
stops it and every connection still open. ``answer_http`` is a small HTTP/1.1
server whose paths each copy one shape of target: healthy, failing, slow,
hanging, chunked and so on. Responses are raw bytes, so what goes over the wire
is plain to see. ``refusing_port`` and ``unanswered_port`` are targets that
refuse a connection or never complete one.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import h11
import trustme

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Route = Callable[[h11.Request, bytes, asyncio.StreamReader], Awaitable[bytes | None]]


@contextlib.asynccontextmanager
async def serve(handle: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """Run handle for each connection to 127.0.0.1 on a free port; yield the port."""
    connections: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await handle(reader, writer)
            writer.close()
            await writer.wait_closed()
        except (ConnectionError, ssl.SSLError, h11.RemoteProtocolError):
            pass  # the probe hung up first, which is its right
        finally:
            writer.transport.abort()
            connections.discard(task)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in connections:
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        await server.wait_closed()


async def wait_for_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept, say nothing, and wait for the client to leave (a TCP or TLS target)."""
    await reader.read()


# --- HTTP ---------------------------------------------------------------------------------


def reply(status: str, body: bytes = b"", *headers: str, length: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def ok(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    return reply("200 OK", b"" if request.method == b"HEAD" else b"OK all good")


async def error(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    return reply("500 Internal Server Error", b"database unavailable")


async def moved(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    return reply("301 Moved Permanently", b"", "Location: /ok")


async def chunked(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    chunks = b"3\r\nOK \r\n8\r\nall good\r\n0\r\n\r\n"
    return reply("200 OK", chunks, "Transfer-Encoding: chunked", length=False)


async def close_delimited(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    """No length at all: the body ends when the server closes the connection."""
    return reply("200 OK", b"OK all good", "Connection: close", length=False)


async def latin_1(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    page = "Caf\N{LATIN SMALL LETTER E WITH ACUTE} ouvert".encode("latin-1")
    return reply("200 OK", page, "Content-Type: text/plain; charset=ISO-8859-1")


async def big(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    """Two MiB of filler, then a marker the probe must never reach."""
    return reply("200 OK", b"x" * (2 * 1024 * 1024) + b"TAIL")


async def backtracking(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    """/backtracking/<a's>: that many a's and a b, the body that makes (a+)+$ backtrack."""
    count = int(request.target.decode().rpartition("/")[2])
    return reply("200 OK", b"a" * count + b"b")


async def echo(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    """The request as the server saw it: method and target, headers, then the body."""
    lines = [request.method + b" " + request.target]
    lines += [name + b": " + value for name, value in request.headers]
    return reply("200 OK", b"\n".join(lines) + b"\n\n" + body)


async def not_http(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    """Another protocol's greeting, as when a check points at the wrong port."""
    return b"SSH-2.0-OpenSSH_9.6\r\n"


async def garbage(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    """A status line without its HTTP version, as a hand-written server might send."""
    return b"200 OK\r\nContent-Length: 2\r\n\r\nOK"


async def close_at_once(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes:
    """Hang up without a word, as a crashing worker does."""
    return b""


async def slow(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> bytes | None:
    """/slow/<seconds>: answer after that delay, unless the client gives up first."""
    delay = float(request.target.decode().rpartition("/")[2])
    try:
        async with asyncio.timeout(delay):
            await reader.read()  # returns early only when the client hangs up
    except TimeoutError:
        return reply("200 OK", b"OK, eventually")
    return None


async def hang(request: h11.Request, body: bytes, reader: asyncio.StreamReader) -> None:
    """Read the request, then never answer."""
    await reader.read()


ROUTES: dict[str, Route] = {
    "ok": ok,
    "error": error,
    "moved": moved,
    "chunked": chunked,
    "close-delimited": close_delimited,
    "latin-1": latin_1,
    "big": big,
    "backtracking": backtracking,
    "echo": echo,
    "not-http": not_http,
    "garbage": garbage,
    "close-at-once": close_at_once,
    "slow": slow,
    "hang": hang,
}


async def answer_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read one request, route it by its first path segment, write the reply."""
    connection = h11.Connection(h11.SERVER)
    request, body = None, b""
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            break
        else:  # the client left without asking anything
            return
    assert request is not None
    route = ROUTES[request.target.decode().split("?")[0].split("/")[1]]
    response = await route(request, body, reader)
    if response is not None:
        writer.write(response)
        await writer.drain()


# --- Certificates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    """A private CA, and the PEM file through which a probe trusts it."""

    ca: trustme.CA
    ca_file: str

    def server_context(self, expires_in: timedelta = timedelta(days=365)) -> ssl.SSLContext:
        """A server presenting a certificate for localhost and 127.0.0.1 that expires then."""
        now = datetime.now(UTC)
        certificate = self.ca.issue_cert(
            "localhost",
            "127.0.0.1",
            not_before=min(now, now + expires_in) - timedelta(days=1),
            not_after=now + expires_in,
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        return context


def new_authority(directory: Path) -> Authority:
    ca = trustme.CA()
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Authority(ca, str(ca_file))


# --- Ports that do not answer -------------------------------------------------------------


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A port held bound but not listening: connecting is refused, and no one can take it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """A listener whose accept queue is full: Linux drops further SYNs, so connects hang."""
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(4):  # more than the queue holds with a backlog of 0
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        yield port
