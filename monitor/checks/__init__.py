"""Check probes: one async function per kind, and the registry that runs them.

A probe takes its spec and returns an Outcome; it never raises for a target's
failure. ``run_probe`` is the scheduler's entry point: whatever goes wrong
inside a probe, it returns an Outcome, so one broken probe cannot stop the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from monitor.checks.base import Outcome, Status
from monitor.checks.http import probe_http
from monitor.checks.specs import CheckSpec
from monitor.checks.tcp import probe_tcp
from monitor.checks.tls import probe_tls

logger = logging.getLogger(__name__)

# Each probe takes its own kind of spec (HttpCheck, TcpCheck, TlsCheck).
Probe = Callable[[Any], Awaitable[Outcome]]

PROBES: dict[str, Probe] = {
    "http": probe_http,
    "tcp": probe_tcp,
    "tls": probe_tls,
}


async def run_probe(spec: CheckSpec) -> Outcome:
    started = time.perf_counter()
    try:
        return await PROBES[spec.kind](spec)
    except Exception as exc:
        logger.exception("%s probe failed on check %r", spec.kind, spec.name)
        return Outcome(
            Status.DOWN,
            time.perf_counter() - started,
            f"probe error: {str(exc) or type(exc).__name__}",
        )
