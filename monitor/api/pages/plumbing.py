"""What every page shares: rendering in the site's look, the role gate, CSRF refusals,
small forms, and the labels pages show.

Pages sign in with an API token and get a cookie session (:mod:`monitor.api.session`);
roles are the API's. Every POST form carries a CSRF token bound to the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from calendars import Level
from monitor.api.problems import Problem
from monitor.api.session import UiSession, csrf_token, csrf_valid, read_session
from monitor.api.state import state_of
from monitor.api.timeline_svg import level_name
from monitor.roles import Role

Extra = TypeVar("Extra")

TIMELINE_DAYS = 60
TIMELINE_ROWS = 30
DUE_DAYS = 7
PREVIEW_ROWS = 200
BUSY = "closewatch is busy reading other uploads. Nothing was changed; try again in a minute."
PHASES = {"before": "ramping up before", "during": "during", "after": "winding down after"}
KIND_LABELS = {
    "heads_up": "Heads-up before a period",
    "daily_status": "Daily status during a period",
    "wrap_up": "Wrap-up after a period",
    "incident": "Incident",
    "update": "Incident update",
    "resolved": "Incident resolved",
    "alert": "“Still a problem” to IT",
    "overdue": "Overdue update reminder",
    "report": "Problem report to the helpdesk",
    "subscribe": "“Please confirm” to someone who asked for notices",
    "period_report": "Critical-period report to IT",
}


def page_zone(request: Request) -> ZoneInfo:
    """The site's zone (the site file's, else CLOSEWATCH_TIMEZONE): pages show local time, named."""
    state = state_of(request)
    return ZoneInfo(state.site.spec.timezone or state.settings.timezone)


MESSAGE_PAGE = """{% extends "pages/base.html" %}{% block title %}{{ heading }} · closewatch{% endblock %}
{% block main %}<h1>{{ heading }}</h1><p class="lead">{{ text }}</p>
<p><a href="/dashboard">Back to the dashboard</a></p>{% endblock %}"""


def render_page(
    request: Request,
    name: str,
    who: UiSession | None,
    *,
    status: int = 200,
    inline: str | None = None,
    **context: Any,
) -> HTMLResponse:
    zone = page_zone(request)

    def when(moment: datetime | None, with_time: bool = True) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(zone)
        return f"{local:%a} {local.day} {local:%b %Y}" + (f", {local:%H:%M}" if with_time else "")

    def clock(moment: datetime | None) -> str:
        return "" if moment is None else f"{moment.astimezone(zone):%H:%M:%S}"

    pages = state_of(request).pages
    template = pages.from_string(inline) if inline else pages.get_template(f"pages/{name}.html")
    html = template.render(
        user=who,
        is_editor=bool(who and who.allows(Role.EDITOR)),
        csrf=csrf_token(request, who.nonce) if who else "",
        path=request.url.path,
        when=when,
        clock=clock,
        zone_name=str(zone),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def message_page(
    request: Request, who: UiSession | None, status: int, title: str, text: str
) -> HTMLResponse:
    return render_page(
        request, "message", who, status=status, inline=MESSAGE_PAGE, heading=title, text=text
    )


def gate(request: Request, role: Role) -> UiSession | Response:
    """The session if it has ``role``; else the way to sign in, or a refusal."""
    who = read_session(request)
    if who is None:
        target = request.url.path
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    if not who.allows(role):
        return message_page(
            request, who, 403, "Not with your role",
            f"This page needs the {role.value} role; you signed in as {who.role.value}. "
            "Ask an admin for an editor token (closewatch token create --role editor).",
        )  # fmt: skip
    return who


def csrf_refused(request: Request, who: UiSession | None) -> HTMLResponse:
    return message_page(
        request, who, 403, "This form has expired",
        "The form did not carry a valid security token, so nothing was changed. "
        "Go back, reload the page and try again.",
    )  # fmt: skip


def see(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


async def small_form(request: Request, *, max_fields: int = 4) -> FormData:
    """A form of at most ``max_fields`` text fields and no files; anything else reads as empty."""
    try:
        async with request.form(max_files=0, max_fields=max_fields) as form:
            return FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    except MultiPartException:
        return FormData()


async def posted_form(
    request: Request, role: Role, *, max_fields: int = 4
) -> tuple[UiSession, FormData] | Response:
    """The signed-in person and their form, or the page that refuses them (role, CSRF)."""

    async def text_only(request: Request) -> tuple[FormData, None]:
        return await small_form(request, max_fields=max_fields), None

    posted = await posted_with(request, role, text_only)
    if isinstance(posted, Response):
        return posted
    who, form, _nothing = posted
    return who, form


async def posted_with(
    request: Request, role: Role, read: Callable[[Request], Awaitable[tuple[FormData, Extra]]]
) -> tuple[UiSession, FormData, Extra] | Response:
    """As :func:`posted_form`, for a form ``read`` reads with something besides its text
    fields (an uploaded file's text)."""
    who = gate(request, role)
    if isinstance(who, Response):
        return who
    form, extra = await read(request)
    if not csrf_valid(request, who.nonce, form.get("csrf")):
        return csrf_refused(request, who)
    return who, form, extra


def one_line(error: Exception) -> str:
    text = error.detail if isinstance(error, Problem) else str(error)
    return " ".join(text.split())[:500]


def hover(level: Level, causes: list[tuple[str, str]]) -> str:
    why = "; ".join(f"{title} ({PHASES.get(phase, phase)})" for title, phase in causes)
    return f"{level_name(level).capitalize()}: {why}" if why else level_name(level).capitalize()
