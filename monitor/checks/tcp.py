"""TCP probe: can a new connection be opened now?

It also holds what the TLS and HTTP probes share with it: the words for a
connection that failed.
"""

from __future__ import annotations

import asyncio
import errno
import re
import socket
import ssl
import time

from monitor.checks.base import Outcome, Status
from monitor.checks.specs import TcpCheck


async def probe_tcp(spec: TcpCheck) -> Outcome:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(spec.timeout):
            _reader, writer = await asyncio.open_connection(spec.host, spec.port)
    except TimeoutError:
        return Outcome(Status.DOWN, time.perf_counter() - started, timed_out(spec.timeout))
    except OSError as exc:
        return Outcome(Status.DOWN, time.perf_counter() - started, describe_connection_error(exc))
    # Connected is the verdict; closing is housekeeping, outside the measured time.
    duration = time.perf_counter() - started
    writer.transport.abort()
    return Outcome(Status.UP, duration)


def timed_out(timeout: float) -> str:
    return f"timed out after {timeout} s"


def describe_connection_error(exc: OSError) -> str:
    """A few plain words for why connecting (or a TLS handshake) failed."""
    # The order matters: these are all OSError subclasses.
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not valid: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host: {exc.strerror}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    # A name with several addresses fails with one OSError naming each failure
    # (Python 3.11 keeps no errno for it): refused everywhere is still "refused".
    errnos = set(re.findall(r"\[Errno (\d+)\]", str(exc)))
    if errnos == {str(errno.ECONNREFUSED)}:
        return "connection refused"
    return exc.strerror or str(exc) or type(exc).__name__
