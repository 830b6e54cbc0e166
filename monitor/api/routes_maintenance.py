"""Maintenance windows: planned away from critical periods, announced, kept quiet for users.

``POST /api/v1/maintenance`` refuses a window that overlaps a critical period of
the system or its ramp (409, listing the periods in ``collisions``) unless an
admin sends ``override_reason``; an approved window is announced to the
audiences concerned (:mod:`monitor.maintenance.announce`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import col

from monitor.api.auth import Editor, Viewer
from monitor.api.openapi import problems
from monitor.api.params import require_instant
from monitor.api.problems import Problem
from monitor.api.schemas import Instant
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.db.models import MaintenanceWindow
from monitor.fields import LARGEST_ID, Checked
from monitor.maintenance.announce import announce_window, withdraw_announcements
from monitor.maintenance.windows import (
    Collides,
    MaintenanceRefused,
    WindowRequest,
    list_windows,
    plan_window,
)
from monitor.roles import Role

router = APIRouter(prefix="/api/v1/maintenance", tags=["maintenance"])

WindowId = Annotated[int, Path(ge=1, le=LARGEST_ID, description="The window's id.")]


class WindowIn(Checked):
    model_config = ConfigDict(extra="forbid")
    system: str = Field(
        min_length=1, max_length=200, description="The system's name, as calendars use it."
    )
    start: datetime = Field(description="When the work starts, with a time zone.")
    end: datetime = Field(description="When it ends (exclusive), with a time zone.")
    reason: str = Field(
        min_length=1, max_length=500, description="What is done, in plain words: users see it."
    )
    override_reason: str = Field(
        "", max_length=500,
        description="Admins only: why the window may collide with a critical period. Recorded with it.",
    )  # fmt: skip
    MULTILINE: ClassVar[frozenset[str]] = frozenset()


class WindowOut(BaseModel):
    id: int
    system: str
    start: Instant
    end: Instant
    reason: str
    override_reason: str = Field(
        description="Why an admin approved it despite collisions; empty when none."
    )
    collisions: list[str] = Field(
        description="The critical periods it collided with when approved."
    )
    created_by: str
    created_at: Instant
    announced_to: int = Field(0, description="Notices queued to announce it (on creation).")

    @classmethod
    def of(cls, window: MaintenanceWindow, announced: int = 0) -> WindowOut:
        return cls(
            id=window.id or 0, system=window.system, start=window.start, end=window.end,
            reason=window.reason, override_reason=window.override_reason, collisions=window.collisions,
            created_by=window.created_by, created_at=window.created_at, announced_to=announced,
        )  # fmt: skip


@router.post(
    "",
    status_code=201,
    response_model=WindowOut,
    summary="Plan a maintenance window; refused (409) when it collides with a critical period",
    responses=problems(404, 409),
)
def post_window(body: WindowIn, app: App, token: Editor) -> WindowOut:
    require_instant("body.start", body.start)
    require_instant("body.end", body.end)
    request = WindowRequest(
        body.system, body.start, body.end, body.reason, body.override_reason, token.name
    )
    zone = ZoneInfo(app.settings.timezone)
    index = app.intensity.current().index
    with session_scope(app.engine) as session:
        try:
            planned = plan_window(session, index, request, may_override=Role(token.role).allows(Role.ADMIN),
                                  now=app.clock(), zone=zone)  # fmt: skip
        except Collides as refused:
            raise Problem(409, str(refused), title="Collides with a critical period",
                          field=f"body.{refused.field}", collisions=refused.described) from None  # fmt: skip
        except MaintenanceRefused as refused:
            raise Problem(
                refused.status, f"body.{refused.field}: {refused}", field=f"body.{refused.field}"
            ) from None
        announced = announce_window(session, app.site, planned.window, now=app.clock())
        return WindowOut.of(planned.window, announced)


@router.get("", response_model=list[WindowOut], summary="Maintenance windows not over yet (or all)")
def get_windows(
    app: App,
    _token: Viewer,
    system: str | None = Query(None, max_length=200, description="Only this system's windows."),
    past: bool = Query(False, description="Include windows that are over."),
) -> list[WindowOut]:
    with session_scope(app.engine) as session:
        found = list_windows(session, system=system, ending_after=None if past else app.clock())
        return [WindowOut.of(window) for window in found]


@router.delete(
    "/{window_id}", status_code=204, summary="Cancel a maintenance window", responses=problems(404)
)
def delete_window(window_id: WindowId, app: App, _token: Editor) -> Response:
    with session_scope(app.engine) as session:
        window = session.execute(
            select(MaintenanceWindow).where(col(MaintenanceWindow.id) == window_id)
        ).scalar_one_or_none()
        if window is None:
            raise Problem(404, f"no maintenance window {window_id}", field="path.window_id")
        withdraw_announcements(session, window_id, now=app.clock())
        session.delete(window)
    return Response(status_code=204)
