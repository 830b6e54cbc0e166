"""Checks as Prometheus HTTP service-discovery targets, probed by blackbox_exporter.

A shop with thousands of systems can let its Prometheus fleet probe while
closewatch's calendar sets the pace: ``GET /api/v1/prometheus/targets`` lists
one target group per check that a module of ``deploy/prometheus/blackbox.yml``
runs as closewatch would, with ``__scrape_interval__`` and
``__scrape_timeout__`` from the system's level now. When a period starts, the
next service-discovery refresh moves its probes to the new interval. The
document is built again only when a level boundary passes or the data changes
(:class:`TargetsCache`).

A check no shipped module can express (a POST, headers, a body to match, a
status outside 2xx, its own CA or server name) is left to closewatch's own
prober: a module that probed something else under its name would mislead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calendars import Level
from monitor.checks.specs import HttpCheck, TcpCheck, TlsCheck
from monitor.intensity.policy import LevelPolicy
from monitor.intensity.timeline import IntensityIndex
from monitor.store.systems import WatchedCheck

MODULES = {"http": "http_2xx", "tcp": "tcp_connect", "tls": "tls_expiry"}


def target_groups(
    checks: Iterable[WatchedCheck],
    index: IntensityIndex,
    policies: dict[str, dict[Level, LevelPolicy]],
    *,
    now: datetime,
) -> list[dict[str, Any]]:
    """The HTTP SD document: ``[{"targets": [...], "labels": {...}}, ...]``, by system and check."""
    groups = []
    for check in sorted(checks, key=lambda c: (c.system, c.name)):
        target = probe_target(check.spec)
        if target is None:
            continue
        level = index.at(check.system, now).level
        interval = policies[check.system][level].interval
        groups.append({
            "targets": [target],
            "labels": {
                "__param_module": MODULES[check.spec.kind],
                "__scrape_interval__": prometheus_duration(interval),
                "__scrape_timeout__": prometheus_duration(min(check.spec.timeout, interval)),
                "module": MODULES[check.spec.kind],
                "closewatch_system": check.system,
                "closewatch_check": check.name,
                "closewatch_level": level.label,
            },
        })  # fmt: skip
    return groups


@dataclass(eq=False, slots=True)
class TargetsCache:
    """The document as last built, kept while the index it came from is current and no
    level boundary has passed: every Prometheus asks at every refresh, and nothing in the
    answer can change otherwise (a changed system or calendar makes a new index)."""

    index: object | None = None
    until: datetime | None = None
    body: bytes = b""
    lock: threading.Lock = field(default_factory=threading.Lock)
    building: threading.Lock = field(default_factory=threading.Lock)  # one build at a time

    def get(self, index: object, now: datetime) -> bytes | None:
        with self.lock:
            fresh = index is self.index and (self.until is None or now < self.until)
            return self.body if fresh else None

    def put(self, index: object, until: datetime | None, body: bytes) -> None:
        with self.lock:
            self.index, self.until, self.body = index, until, body


def probe_target(spec: HttpCheck | TcpCheck | TlsCheck) -> str | None:
    """What blackbox_exporter probes for ``spec`` with its module, or None if none fits."""
    if isinstance(spec, HttpCheck):
        plain = (
            spec.method == "GET" and not spec.headers and spec.body is None
            and spec.body_contains is None and spec.body_pattern is None
            and spec.verify_tls and spec.ca_file is None
            and all(200 <= status < 300 for status in spec.expect_status)
        )  # fmt: skip
        return spec.url if plain else None
    if isinstance(spec, TlsCheck) and (spec.server_name or spec.ca_file):
        return None
    return f"{spec.host}:{spec.port}"


def prometheus_duration(seconds: float) -> str:
    """``15s``, ``2m``, ``200ms``: Prometheus durations, whole units only."""
    milliseconds = round(seconds * 1000)
    if milliseconds % 60_000 == 0:
        return f"{milliseconds // 60_000}m"
    if milliseconds % 1000 == 0:
        return f"{milliseconds // 1000}s"
    return f"{max(milliseconds, 1)}ms"
