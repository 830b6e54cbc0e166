"""The open-incident gauge follows incidents that ended on another replica."""

from __future__ import annotations

from calendars import Level
from monitor.metrics import Metrics
from monitor.watch.open_incidents import OpenIncidents

WMS_OPEN = (7, 3, "wms", int(Level.HIGH))  # incident, check, system, level, as stored


def counted(incidents: OpenIncidents, system: str = "wms") -> float:
    total = 0.0
    for metric in incidents.metrics.registry.collect():
        for sample in metric.samples:
            if sample.name == "closewatch_incidents_open" and sample.labels["system"] == system:
                total += sample.value
    return total


def test_an_incident_resolved_on_another_replica_leaves_the_gauge_at_the_second_reading() -> None:
    incidents = OpenIncidents(Metrics())
    incidents.opened(7, "wms", Level.HIGH)
    incidents.follow([WMS_OPEN])
    assert counted(incidents) == 1

    incidents.follow([])  # resolved elsewhere, or not committed yet: one reading is not enough
    assert counted(incidents) == 1
    incidents.follow([])

    assert counted(incidents) == 0
    assert 7 not in incidents


def test_an_incident_opened_here_and_stored_late_is_kept() -> None:
    incidents = OpenIncidents(Metrics())
    incidents.opened(7, "wms", Level.HIGH)

    incidents.follow([])  # read before the incident's transaction committed
    incidents.follow([WMS_OPEN])
    incidents.follow([])

    assert counted(incidents) == 1


def test_an_alert_reported_resolved_on_another_replica_leaves_at_once() -> None:
    incidents = OpenIncidents(Metrics())
    incidents.elsewhere("opened", 9, "crm", Level.NORMAL, "p3")
    incidents.follow([(9, None, "crm", int(Level.NORMAL))])

    incidents.follow([])

    assert counted(incidents, "crm") == 0
