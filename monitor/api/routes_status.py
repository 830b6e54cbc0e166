"""The public status page: the critical periods of the week and how each system is doing.

``GET /status`` needs no sign-in and is written for users, not engineers:
periods by their plain category ("month-end closing"), systems by their plain
names, problems by the line users were told (``Incident.public_line``) and the
time of the next update. Nothing technical is shown: no system or check names,
addresses, error texts or incident titles.

Many people open it at once when something breaks, so it is built from one
snapshot per 30-second bucket of the clock and kept as HTML in memory; every
request in the bucket gets those bytes, with ``Cache-Control: public,
max-age=30`` and an ETag that answers ``If-None-Match`` with 304. ``HEAD`` gets
the same headers without the body.

The ETag changes only when what the page says changes. The page shows its
freshness as the time since which nothing on it has changed ("checked every
half minute; nothing has changed since 14:02"), remembered from build to build
while the snapshot stays the same. A clock time that moved every minute would
make every copy stale; this one stays true for as long as a cached copy is
reused. (Each replica remembers its own time: one that started later says a
later time, which is just as true.)
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine, select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from calendars import Level
from monitor.api.state import App, AppState
from monitor.db.engine import session_scope
from monitor.db.models import Incident, System
from monitor.maintenance.windows import list_windows
from monitor.store.queries import OccurrenceFilter, list_occurrences
from notifiers.render import CATEGORY_LABELS

router = APIRouter(include_in_schema=False)

BUCKET_SECONDS = 30
AHEAD = timedelta(days=7)
MAINTENANCE_AHEAD = timedelta(days=14)  # planned work is worth knowing about sooner than a period
MOST_PERIODS = 2000  # occurrences read for one week; far more than any site has
CACHE_CONTROL = f"public, max-age={BUCKET_SECONDS}"
HTML = "text/html; charset=utf-8"
NO_NEWS_LINE = "Something is not working properly. IT is working on it."

NORMAL, WATCHED, PROBLEM, MAINTENANCE = "normal", "watched", "problem", "maintenance"


@dataclass(frozen=True, slots=True)
class PeriodLine:
    words: str  # "month-end closing", or a custom period's own title
    when: str  # "until Tuesday, 1 December" / "from Friday, 27 November to ..."
    now: bool


@dataclass(frozen=True, slots=True)
class SystemLine:
    name: str  # the plain name
    state: str  # NORMAL, WATCHED or PROBLEM
    said: str  # "working normally", "watched closely", "not working properly — ..."


@dataclass(frozen=True, slots=True)
class ProblemLine:
    system: str
    line: str
    next_update: str  # "14:30", "Thursday, 26 November, 14:30", or empty


@dataclass(frozen=True, slots=True)
class MaintenanceLine:
    system: str  # the plain name
    when: str  # "Friday, 4 December, 20:00 to 22:00" / "now, until 22:00"
    reason: str
    now: bool


@dataclass(frozen=True, slots=True)
class Snapshot:
    headline: list[str]
    periods: list[PeriodLine] = field(default_factory=list)
    systems: list[SystemLine] = field(default_factory=list)
    problems: list[ProblemLine] = field(default_factory=list)
    maintenance: list[MaintenanceLine] = field(default_factory=list)
    as_of: str = ""  # since when nothing on the page has changed, filled in by the cache


@dataclass(frozen=True, slots=True)
class CachedPage:
    bucket: int
    body: bytes
    etag: str
    content: str  # a hash of the snapshot without its freshness line
    since: datetime  # when this replica first built a page saying exactly this


class StatusCache:
    """The page of the current 30-second bucket; built once per bucket, whatever the load."""

    def __init__(self) -> None:
        self._page: CachedPage | None = None
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, bucket: int) -> CachedPage | None:
        page = self._page
        return page if page is not None and page.bucket == bucket else None

    def build(self, app: AppState, bucket: int) -> CachedPage:
        with self._lock:  # requests arriving while it is built wait for it, not build it again
            page = self.get(bucket)
            if page is None:
                page = self._page = self._built(app, bucket, self._page)
                self.builds += 1
            return page

    @staticmethod
    def _built(app: AppState, bucket: int, previous: CachedPage | None) -> CachedPage:
        now, zone = app.clock(), ZoneInfo(app.settings.timezone)
        snapshot = build_snapshot(app.engine, app.intensity.current(), now=now, zone=zone)
        content = hashlib.sha256(repr(snapshot).encode()).hexdigest()
        same = previous is not None and previous.content == content
        since = previous.since if previous is not None and same else now
        said = replace(snapshot, as_of=_clock_time(since, now, zone))
        # Times are local to the site, and the page names the zone: a reader elsewhere can tell.
        offered = app.site.spec.subscribers is not None  # fixed while the process runs
        html = app.pages.get_template("pages/status.html").render(
            status=said, zone=str(zone), subscribe=offered
        )
        body = html.encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        return CachedPage(bucket, body, etag, content, since)


def bucket_of(now: datetime) -> int:
    return int(now.timestamp()) // BUCKET_SECONDS


def status_cache(app: AppState) -> StatusCache:
    if app.status_cache is None:
        app.status_cache = StatusCache()
    return app.status_cache


@router.api_route("/status", methods=["GET", "HEAD"])
async def status_page(request: Request, app: App) -> Response:
    cache = status_cache(app)
    bucket = bucket_of(app.clock())
    page = cache.get(bucket)
    if page is None:  # (with `or`, mypy would infer the build's type from the left side's)
        page = await run_in_threadpool(cache.build, app, bucket)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": page.etag}
    if etag_matches(request.headers.get("if-none-match"), page.etag):
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type=HTML, headers=headers)


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (compared weakly, as RFC 9110 says)."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def build_snapshot(engine: Engine, loaded: Any, *, now: datetime, zone: ZoneInfo) -> Snapshot:
    """What the page says at ``now``: two small queries and the intensity index."""
    with session_scope(engine) as session:
        rows = list_occurrences(
            session, OccurrenceFilter(start=now, end=now + AHEAD, limit=MOST_PERIODS)
        )
        open_incidents = session.execute(
            select(
                col(Incident.system_id),
                col(Incident.public_line),
                col(Incident.next_update_at),
                col(System.name),
            )
            .join(System, col(System.id) == col(Incident.system_id))
            .where(col(Incident.status) == "open")
            .order_by(col(Incident.opened_at))
        ).all()
        windows = list_windows(session, ending_after=now)
    windows = [window for window in windows if window.start < now + MAINTENANCE_AHEAD]
    in_work = {window.system: window for window in windows if window.start <= now}
    periods = _periods(
        ((row.occurrence.category, row.occurrence.title or row.period_title,
          row.occurrence.start, row.occurrence.end) for row in rows),
        now, zone,
    )  # fmt: skip
    plain: dict[str, str] = loaded.systems
    problems: dict[str, ProblemLine] = {}
    for _system_id, line, next_update, name in open_incidents:
        if name in in_work:  # planned work: its failures are expected, and users were told
            continue
        said = plain.get(name) or "one of our systems"
        if name not in problems:  # one line per system: the oldest problem is what users feel
            problems[name] = ProblemLine(
                said, line or NO_NEWS_LINE, _clock_time(next_update, now, zone)
            )
    levels = loaded.index.all_at(now)
    systems = []
    for name, plain_name in plain.items():
        segment = levels.get(name)
        if name in in_work:
            until = _clock_time(in_work[name].end, now, zone)
            systems.append(
                SystemLine(plain_name, MAINTENANCE, f"planned maintenance until {until}")
            )
        elif name in problems:
            next_update = problems[name].next_update
            said = "not working properly — " + (
                f"next update by {next_update}" if next_update else "IT is working on it"
            )
            systems.append(SystemLine(plain_name, PROBLEM, said))
        elif segment is not None and segment.level > Level.NORMAL:
            systems.append(SystemLine(plain_name, WATCHED, "watched closely"))
        else:
            systems.append(SystemLine(plain_name, NORMAL, "working normally"))
    order = {PROBLEM: 0, MAINTENANCE: 1, WATCHED: 2, NORMAL: 3}
    systems.sort(key=lambda line: (order[line.state], line.name.casefold()))
    return Snapshot(
        headline=_headline(periods, systems),
        periods=periods,
        systems=systems,
        problems=list(problems.values()),
        maintenance=[_maintenance_line(window, plain, now, zone) for window in windows],
    )


def _maintenance_line(
    window: Any, plain: dict[str, str], now: datetime, zone: ZoneInfo
) -> MaintenanceLine:
    name = plain.get(window.system) or "one of our systems"
    if window.start <= now:
        when = f"now, until {_clock_time(window.end, now, zone)}"
    else:
        start, end = window.start.astimezone(zone), window.end.astimezone(zone)
        same_day = start.date() == end.date()
        when = f"{_day(window.start, zone)} to {f'{end:%H:%M}' if same_day else _day(window.end, zone)}"
        if start.time() == time(0):  # _day left the time out
            when = f"{format_date(start.date(), 'EEEE, d MMMM', locale='en')}, 00:00 to {end:%H:%M}"
    return MaintenanceLine(name, when, window.reason.rstrip(". "), window.start <= now)


def _periods(
    rows: Iterable[tuple[str, str, datetime, datetime]], now: datetime, zone: ZoneInfo
) -> list[PeriodLine]:
    labels = CATEGORY_LABELS["en"]
    seen: set[tuple[str, datetime, datetime]] = set()
    lines = []
    for category, title, start, end in rows:
        words = title if category == "custom" or category not in labels else labels[category]
        if (words.casefold(), start, end) in seen:
            continue
        seen.add((words.casefold(), start, end))
        on = start <= now
        when = (
            f"until {_until(end, zone)}"
            if on
            else f"from {_day(start, zone)} to {_until(end, zone)}"
        )
        lines.append(PeriodLine(words, when, on))
    return lines


def _headline(periods: list[PeriodLine], systems: list[SystemLine]) -> list[str]:
    said = []
    if periods:
        said.append(f"This week: {_plain_list(_unique(p.words for p in periods))}.")
    else:
        said.append("No critical business periods this week.")
    watched = [line.name for line in systems if line.state in (WATCHED, PROBLEM)]
    if len(watched) > 3:
        said.append(
            f"We are watching {', '.join(watched[:3])} and {len(watched) - 3} more systems closely."
        )
    elif watched:
        said.append(f"We are watching {_plain_list(watched)} closely.")
    broken = [line.name for line in systems if line.state == PROBLEM]
    if broken:
        verb = "is" if len(broken) == 1 else "are"
        said.append(f"{_capfirst(_plain_list(broken))} {verb} not working properly; IT is on it.")
    elif systems:
        said.append("Everything is working normally.")
    return said


def _day(value: datetime, zone: ZoneInfo) -> str:
    """'Friday, 27 November', with the time when it is not midnight."""
    local = value.astimezone(zone)
    day = format_date(local.date(), "EEEE, d MMMM", locale="en")
    return day if local.time() == time(0) else f"{day}, {local:%H:%M}"


def _until(end: datetime, zone: ZoneInfo) -> str:
    """The last day of an exclusive end: an end at local midnight is the day before."""
    local = end.astimezone(zone)
    if local.time() == time(0):
        return format_date(local.date() - timedelta(days=1), "EEEE, d MMMM", locale="en")
    return _day(end, zone)


def _clock_time(value: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    """'14:30' today, 'Thursday, 26 November, 14:30' another day; empty for none."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M}"
    return f"{format_date(local.date(), 'EEEE, d MMMM', locale='en')}, {local:%H:%M}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _plain_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]
