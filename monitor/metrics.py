"""Prometheus metrics: one registry per service, names in Prometheus conventions.

Counters and histograms are updated as checks run. The levels, the active
periods and their next starts are computed at scrape time from the intensity
index, so a period that ended never leaves a stale series behind.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from monitor.checks.base import Status

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


@dataclass(frozen=True, slots=True)
class PeriodState:
    calendar: str
    period: str
    category: str
    active: bool
    next_start: datetime | None


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    """A subscribed calendar as the scrape sees it: its last good fetch and how often it is fetched."""

    calendar: str
    last_success: datetime | None
    every_seconds: int


@dataclass(frozen=True, slots=True)
class IntensityState:
    """What the scrape-time collector reads: each system's level, each period's state."""

    levels: dict[str, int]
    periods: list[PeriodState]


class _IntensityCollector(Collector):
    def __init__(self, read: Callable[[], IntensityState | None]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = self.read()
        level = GaugeMetricFamily(
            "closewatch_intensity_level",
            "Intensity level of each system: 0 normal, 1 elevated, 2 high, 3 critical.",
            labels=["system"],
        )
        active = GaugeMetricFamily(
            "closewatch_critical_period_active",
            "1 while an occurrence of the critical period is under way.",
            labels=["calendar", "period", "category"],
        )
        next_start = GaugeMetricFamily(
            "closewatch_period_next_start_timestamp_seconds",
            "When the period's next occurrence starts (Unix time).",
            labels=["calendar", "period", "category"],
        )
        if state is not None:
            for system, value in sorted(state.levels.items()):
                level.add_metric([system], value)
            for period in state.periods:
                labels = [period.calendar, period.period, period.category]
                active.add_metric(labels, 1 if period.active else 0)
                if period.next_start is not None:
                    next_start.add_metric(labels, period.next_start.timestamp())
        yield level
        yield active
        yield next_start


class _SubscriptionCollector(Collector):
    """Read from the database at scrape time, so every replica tells the same, true age."""

    def __init__(self, read: Callable[[], list[SubscriptionState]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        success = GaugeMetricFamily(
            "closewatch_calendar_last_success_timestamp_seconds",
            "When each subscribed calendar was last fetched and read successfully (Unix time).",
            labels=["calendar"],
        )
        interval = GaugeMetricFamily(
            "closewatch_calendar_refresh_interval_seconds",
            "How often each subscribed calendar is fetched.",
            labels=["calendar"],
        )
        try:
            states = self.read()
        except Exception:  # the database away: the rest of the scrape still answers
            log.exception("could not read the subscriptions for the metrics")
            states = []
        for state in states:
            if state.last_success is not None:
                success.add_metric([state.calendar], state.last_success.timestamp())
            interval.add_metric([state.calendar], state.every_seconds)
        yield success
        yield interval


class Metrics:
    """The service's metric families."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        Gauge("closewatch_build_info", "closewatch version.", ["version"], registry=r).labels(
            version("closewatch")
        ).set(1)
        self.check_result = Gauge(
            "closewatch_check_result", "Latest result of each check, one-hot over up, degraded, down.",
            ["system", "check", "result"], registry=r,
        )  # fmt: skip
        self.checks = Counter(
            "closewatch_checks", "Checks run, by result.", ["system", "check", "result"], registry=r
        )
        self.check_duration = Histogram(
            "closewatch_check_duration_seconds", "How long each check took.",
            ["system", "check"], buckets=DURATION_BUCKETS, registry=r,
        )  # fmt: skip
        self.check_interval = Gauge(
            "closewatch_check_interval_seconds", "Effective interval of each check at its system's level.",
            ["system", "check"], registry=r,
        )  # fmt: skip
        self.incidents_open = Gauge(
            "closewatch_incidents_open", "Open incidents by system, level and priority.",
            ["system", "level", "priority"], registry=r,
        )  # fmt: skip
        self.scheduler_lag = Histogram(
            "closewatch_scheduler_lag_seconds", "How late checks start compared with their schedule.",
            buckets=LAG_BUCKETS, registry=r,
        )  # fmt: skip
        self.notices_sent = Counter(
            "closewatch_notices_sent",
            "Notices delivered, by kind and channel.",
            ["kind", "channel"],
            registry=r,
        )
        self.notices_failed = Counter(
            "closewatch_notices_failed", "Notice deliveries that failed, by kind and channel.",
            ["kind", "channel"], registry=r,
        )  # fmt: skip
        self.outbox_pending = Gauge(
            "closewatch_outbox_pending", "Deliveries waiting in the outbox.", registry=r
        )
        self.outbox_retries = Counter(
            "closewatch_outbox_retries",
            "Delivery attempts that failed for a time and wait to be tried again, by channel.",
            ["channel"],
            registry=r,
        )
        self.outbox_dead = Gauge(
            "closewatch_outbox_dead_letters",
            "Deliveries given up on after their maximum age.",
            registry=r,
        )
        self.feedback = Counter(
            "closewatch_feedback",
            "Answers readers gave through feedback links.",
            ["answer"],
            registry=r,
        )
        self.notice_subscriptions = Counter(
            "closewatch_notice_subscriptions",
            "Notices people chose on the status page: requested, confirmed, unsubscribed.",
            ["event"], registry=r,
        )  # fmt: skip
        for event in ("requested", "confirmed", "unsubscribed"):
            self.notice_subscriptions.labels(event)
        self.promises = Counter(
            "closewatch_update_promises",
            "Promised update times: made, kept by people posting, kept by closewatch on its own.",
            ["outcome"], registry=r,
        )  # fmt: skip
        self.leader = Gauge(
            "closewatch_leader", "1 when this replica plans and probes.", registry=r
        )
        self.calendar_refresh_failures = Counter(
            "closewatch_calendar_refresh_failures",
            "Refreshes of a subscribed calendar that failed (its last good version stays).",
            ["calendar"], registry=r,
        )  # fmt: skip
        self._intensity: Callable[[], IntensityState | None] = lambda: None
        r.register(_IntensityCollector(lambda: self._intensity()))
        self._subscriptions: Callable[[], list[SubscriptionState]] = list
        r.register(_SubscriptionCollector(lambda: self._subscriptions()))

    def read_intensity_from(self, read: Callable[[], IntensityState | None]) -> None:
        self._intensity = read

    def read_subscriptions_from(self, read: Callable[[], list[SubscriptionState]]) -> None:
        self._subscriptions = read

    def record_check(self, system: str, check: str, status: Status, duration: float) -> None:
        for result in Status:
            self.check_result.labels(system, check, result.value).set(1 if result is status else 0)
        self.checks.labels(system, check, status.value).inc()
        self.check_duration.labels(system, check).observe(duration)

    def forget_check(self, system: str, check: str) -> None:
        """Drop a deleted check's series so it does not linger as a ghost."""
        for family in (self.check_duration, self.check_interval):
            with contextlib.suppress(KeyError):
                family.remove(system, check)
        for result in Status:
            for by_result in (self.check_result, self.checks):
                with contextlib.suppress(KeyError):
                    by_result.remove(system, check, result.value)
