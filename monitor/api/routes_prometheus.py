"""Prometheus HTTP service discovery: the checks blackbox_exporter can run, at the calendar's pace."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import col

from monitor.alerts.targets import target_groups
from monitor.api.auth import Viewer
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.db.models import System
from monitor.store.systems import watched_checks

router = APIRouter(prefix="/api/v1/prometheus", tags=["prometheus"])


class TargetGroup(BaseModel):
    targets: list[str] = Field(description="What blackbox_exporter probes: a URL or host:port.")
    labels: dict[str, str] = Field(
        description="__param_module, __scrape_interval__ and __scrape_timeout__ (from the "
        "system's level now), and closewatch_system, closewatch_check, closewatch_level, module."
    )


@router.get(
    "/targets",
    response_model=list[TargetGroup],
    summary="Checks as Prometheus HTTP service-discovery targets for blackbox_exporter",
)
def prometheus_targets(app: App, _token: Viewer) -> list[dict[str, Any]]:
    with session_scope(app.engine) as session:
        checks = watched_checks(session)
        overrides = dict(session.execute(select(col(System.name), col(System.policy))).all())
    policies = {name: app.site.system_policy(policy) for name, policy in overrides.items()}
    index = app.intensity.current().index
    return target_groups(checks, index, policies, now=app.clock())
