"""The pages people open in a browser (rendered from ``templates/pages``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from monitor.db.engine import session_scope
from monitor.db.models import Calendar, Period

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    state = request.app.state
    with session_scope(state.engine) as session:
        calendars = session.execute(select(func.count()).select_from(Calendar)).scalar_one()
        periods = session.execute(select(func.count()).select_from(Period)).scalar_one()
    html = state.pages.get_template("pages/home.html").render(
        calendars=calendars, periods=periods, version=request.app.version, docs_url="/docs"
    )
    return HTMLResponse(html)
