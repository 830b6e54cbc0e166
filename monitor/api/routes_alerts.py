"""Alerts and status from the monitoring a business already runs (role ``ingest``).

- ``POST /api/v1/alerts/alertmanager``: Alertmanager's webhook (and Grafana's,
  the same shape). Every alert concerns the system its ``closewatch_system``
  label names, or whose ``alerts`` matchers its labels match; one that
  concerns none is answered in ``ignored`` (with 200, so Alertmanager does not
  send it again and again).
- ``POST /api/v1/systems/{name}/status``: any other monitor's webhook (Zabbix,
  Uptime Kuma): ``down`` or ``up``, from a ``source``, under an ``id``.

Both feed the incidents closewatch's own checks open (:mod:`monitor.alerts.service`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import col

from monitor.alerts.alertmanager import AlertmanagerPayload, Ignored, reports_of
from monitor.alerts.intake import Report, firing_keys
from monitor.alerts.service import receive
from monitor.api.auth import Ingest
from monitor.api.openapi import problems
from monitor.api.problems import Problem
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.db.models import System
from monitor.fields import Checked, at_most

router = APIRouter(prefix="/api/v1", tags=["alerts"])

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
Source = Annotated[
    str,
    Query(
        pattern=SOURCE_PATTERN,
        description="Name of the monitor, so alerts from two of them are two sources.",
    ),
]


class AlertsReceived(BaseModel):
    received: int = Field(description="Alerts in the notification.")
    opened: list[int] = Field(description="Incidents these alerts opened.")
    recovered: list[int] = Field(description="Incidents that ended with these alerts.")
    ignored: list[Ignored] = Field(description="Alerts that concern no system, with why.")


class StatusReport(Checked):
    status: Literal["down", "up"]
    summary: Annotated[str, at_most(1000)] = Field(
        "", description="What the monitor saw; for IT only: readers hear the system's plain name."
    )
    source: str = Field("webhook", pattern=SOURCE_PATTERN, description="The monitor, e.g. zabbix.")
    id: Annotated[str, at_most(200)] = Field(
        "",
        description="The monitor's id for this problem (a Zabbix event id): several can be down "
        "at once. `up` with an id ends that one; `up` without one, or with one never down, "
        "ends every problem from this source.",
    )


class StatusReceived(BaseModel):
    system: str
    source: str
    down: list[str] = Field(description="The ids from this source still down for this system.")
    opened: list[int]
    recovered: list[int]


@router.post(
    "/alerts/alertmanager",
    response_model=AlertsReceived,
    summary="Receive Alertmanager's (or Grafana's) webhook notification",
)
def alertmanager_webhook(
    payload: AlertmanagerPayload, app: App, _token: Ingest, source: Source = "alertmanager"
) -> AlertsReceived:
    with session_scope(app.engine) as session:
        systems = session.execute(select(col(System.name), col(System.alerts))).all()
    matchers = {name: list(alerts) for name, alerts in systems if alerts}
    reports, ignored = reports_of(
        payload, source=source, known=[name for name, _ in systems], matchers=matchers
    )
    received = receive(app, reports)
    return AlertsReceived(received=len(payload.alerts), opened=received.opened,
                          recovered=received.recovered, ignored=ignored)  # fmt: skip


@router.post(
    "/systems/{name}/status",
    response_model=StatusReceived,
    summary="Report a system down or up from another monitor",
    responses=problems(404),
)
def system_status(name: str, body: StatusReport, app: App, _token: Ingest) -> StatusReceived:
    with session_scope(app.engine) as session:
        if session.execute(select(col(System.id)).where(col(System.name) == name)).first() is None:
            raise Problem(404, f"no system named {name!r}")
        down = firing_keys(session, name, body.source)
    # Down: that problem. Up: that problem ended, or (an id never down, or none) all of them.
    keys = [body.id] if body.status == "down" or body.id in down else down
    reports = [Report(system=name, source=body.source, key=key, firing=body.status == "down",
                      summary=body.summary, details={"annotations": {"summary": body.summary}})
               for key in keys]  # fmt: skip
    received = receive(app, reports)
    with session_scope(app.engine) as session:
        still = firing_keys(session, name, body.source)
    return StatusReceived(system=name, source=body.source, down=still,
                          opened=received.opened, recovered=received.recovered)  # fmt: skip
