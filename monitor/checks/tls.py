"""TLS probe: a verified handshake, and how many days the certificate has left."""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from datetime import UTC, datetime

from monitor.checks.base import Outcome, Status
from monitor.checks.specs import TlsCheck
from monitor.checks.tcp import describe_connection_error, timed_out
from monitor.clock import system_clock


async def probe_tls(spec: TlsCheck) -> Outcome:
    started = time.perf_counter()
    context = client_context(spec.ca_file)
    try:
        async with asyncio.timeout(spec.timeout):
            _reader, writer = await asyncio.open_connection(
                spec.host, spec.port, ssl=context, server_hostname=spec.server_name or spec.host
            )
    except TimeoutError:
        return Outcome(Status.DOWN, time.perf_counter() - started, timed_out(spec.timeout))
    except OSError as exc:
        return Outcome(Status.DOWN, time.perf_counter() - started, describe_connection_error(exc))
    # The chain and the name are verified by now, so the certificate is the decoded dict.
    certificate = writer.get_extra_info("peercert")
    writer.transport.abort()
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(certificate["notAfter"]), UTC)
    # Against the real time, as OpenSSL judged the handshake's validity just now.
    status, message = judge_expiry(not_after, system_clock(), spec)
    return Outcome(status, time.perf_counter() - started, message)


def judge_expiry(not_after: datetime, now: datetime, spec: TlsCheck) -> tuple[Status, str]:
    days_left = (not_after - now).days  # whole days, rounded down: 6.9 days left is 6
    plural = "" if days_left == 1 else "s"
    message = f"certificate expires in {days_left} day{plural} ({not_after:%Y-%m-%d})"
    if days_left < spec.fail_days:
        return Status.DOWN, message
    if days_left < spec.warn_days:
        return Status.DEGRADED, message
    return Status.UP, message


@functools.cache
def client_context(ca_file: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """The system's trust store, or ca_file's. Cached: building one parses a whole CA bundle.

    A ca_file that cannot be loaded is the check's own fault, not the target's:
    it raises, and the registry reports a probe error.
    """
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot load CA file {ca_file}: {exc.strerror or exc}") from exc
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
