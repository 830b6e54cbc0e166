"""The front door: ``/`` leads to the dashboard when signed in, else to the sign-in page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from monitor.api.session import read_session

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> RedirectResponse:
    target = "/dashboard" if read_session(request) is not None else "/signin"
    return RedirectResponse(target, status_code=303)
