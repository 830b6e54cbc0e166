"""The outbox's deliveries and the readers' feedback."""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from monitor.api.auth import Viewer
from monitor.api.params import Offset
from monitor.api.problems import invalid_field
from monitor.api.schemas_notices import (
    DELIVERY_STATUSES,
    DeliveryOut,
    DeliverySummaryOut,
    FeedbackListOut,
    FeedbackOut,
)
from monitor.api.state import App
from monitor.db.engine import session_scope
from monitor.db.models import Delivery, Feedback
from monitor.fields import LARGEST_ID

router = APIRouter(prefix="/api/v1")


# --- the outbox ----------------------------------------------------------------------------


@router.get(
    "/deliveries",
    response_model=list[DeliveryOut],
    tags=["deliveries"],
    summary="List deliveries, newest due first",
)
def get_deliveries(
    app: App,
    _token: Viewer,
    status: str | None = Query(None, description=f"One of {', '.join(DELIVERY_STATUSES)}."),
    audience: str | None = Query(None),
    kind: str | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    offset: Offset = 0,
) -> list[DeliveryOut]:
    if status is not None and status not in DELIVERY_STATUSES:
        raise invalid_field(
            "status", f"unknown status {status!r}; expected one of {', '.join(DELIVERY_STATUSES)}"
        )
    query = select(Delivery)
    for column, value in (
        (col(Delivery.status), status),
        (col(Delivery.audience), audience),
        (col(Delivery.kind), kind),
    ):
        if value is not None:
            query = query.where(column == value)
    query = (
        query.order_by(col(Delivery.due_at).desc(), col(Delivery.id).desc())
        .limit(limit)
        .offset(offset)
    )
    with session_scope(app.engine) as session:
        return [DeliveryOut.of(row) for row in session.execute(query).scalars()]


@router.get(
    "/deliveries/summary",
    response_model=DeliverySummaryOut,
    tags=["deliveries"],
    summary="How many deliveries are in each status",
)
def get_delivery_summary(app: App, _token: Viewer) -> DeliverySummaryOut:
    with session_scope(app.engine) as session:
        counts = dict(
            session.execute(
                select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
            ).all()
        )
    by_status = {status: counts.pop(status, 0) for status in DELIVERY_STATUSES} | counts
    return DeliverySummaryOut(total=sum(by_status.values()), by_status=by_status)


# --- feedback ------------------------------------------------------------------------------


@router.get(
    "/feedback",
    response_model=FeedbackListOut,
    tags=["feedback"],
    summary="The readers' answers, newest first, with a count of each",
)
def get_feedback(
    app: App,
    _token: Viewer,
    audience: str | None = Query(None),
    occurrence_id: int | None = Query(None, ge=1, le=LARGEST_ID),
    limit: int = Query(500, ge=1, le=5000),
) -> FeedbackListOut:
    where: list[ColumnElement[bool]] = []
    if audience is not None:
        where.append(col(Feedback.audience) == audience)
    if occurrence_id is not None:
        where.append(col(Feedback.occurrence_id) == occurrence_id)
    with session_scope(app.engine) as session:
        counts = session.execute(
            select(col(Feedback.answer), func.count()).where(*where).group_by(col(Feedback.answer))
        ).all()
        rows = session.execute(
            select(Feedback)
            .where(*where)
            .order_by(col(Feedback.at).desc(), col(Feedback.id).desc())
            .limit(limit)
        ).scalars()
        answers = [FeedbackOut.of(row) for row in rows]
    return FeedbackListOut(summary=dict(sorted(counts)), answers=answers)
