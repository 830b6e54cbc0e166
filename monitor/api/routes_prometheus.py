"""Prometheus HTTP service discovery: the checks blackbox_exporter can run, at the calendar's pace.

Every Prometheus asks at each refresh: the answer is kept until a level boundary passes or
the data changes, and built from plain columns (no ORM objects) with one policy per system
that has its own overrides.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import col

from monitor.alerts.targets import target_groups
from monitor.api.auth import Viewer
from monitor.api.state import App, AppState
from monitor.db.engine import session_scope
from monitor.db.models import Check, System
from monitor.fields import STORED
from monitor.intensity.timeline import IntensityIndex
from monitor.store.systems import CHECK_SPEC, WatchedCheck

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
def prometheus_targets(app: App, _token: Viewer) -> Response:
    index = app.intensity.current().index
    now = app.clock()
    cache = app.targets_cache
    cached = cache.get(index, now)
    if cached is None:
        with cache.building:  # several Prometheus servers asking at once: one builds
            cached = cache.get(index, now)
            if cached is None:
                cached = json.dumps(_groups(app, index, now), separators=(",", ":")).encode()
                cache.put(index, index.next_change(now), cached)
    return Response(cached, media_type="application/json")


def _groups(app: AppState, index: IntensityIndex, now: datetime) -> list[dict[str, Any]]:
    with session_scope(app.engine) as session:
        rows = session.execute(
            select(col(Check.id), col(System.name), col(Check.name), col(Check.spec)).join(
                System, col(System.id) == col(Check.system_id)
            )
        ).all()
        overrides = dict(session.execute(select(col(System.name), col(System.policy))).all())
    checks = [
        WatchedCheck(check_id or 0, system, name, CHECK_SPEC.validate_python(spec, context=STORED))
        for check_id, system, name, spec in rows
    ]
    site_policy = dict(app.site.policy)
    policies = {
        name: app.site.system_policy(policy) if policy else site_policy
        for name, policy in overrides.items()
    }
    return target_groups(checks, index, policies, now=now)
