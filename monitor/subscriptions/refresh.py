"""Subscribing and refreshing: fetch, then import exactly as an upload is imported.

A fetched calendar goes through :func:`monitor.imports.import_calendar`, the
upload's own path: read in a worker process under the job limits, stored in
place by name in one transaction, so occurrences keep their ids, a moved one
moves its unsent notices, a cancelled one withdraws them, and the caller's
``changed()`` makes levels and plans follow at once.

A fetch that fails, or a calendar that no longer reads, stores nothing: the
calendar keeps its last good version, and the subscription row records the
error, the time and the failures in a row. The conditional-request validators
(ETag, Last-Modified, a CalDAV ctag) are kept only from a fetch whose calendar
was stored, so a version that could not be read is fetched again next time.

Subscribing fetches and imports once before anything is stored: an address
that does not give a calendar is refused then, with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine

from calendars import CalendarError
from calendars.mapping import parse_mapping
from calendars.options import load_zone
from monitor.db.engine import session_scope
from monitor.db.models import Subscription
from monitor.imports import Imported, ImportRequest, UploadedSource, calendar_name, import_calendar
from monitor.jobs import WorkersBusy
from monitor.settings import Settings
from monitor.store.calendars import content_hash, find_calendar
from monitor.store.subscriptions import Outcome, claim, find_subscription, record, release
from monitor.subscriptions.address import AddressPolicy, parse_networks, subscription_url
from monitor.subscriptions.fetch_caldav import fetch_caldav
from monitor.subscriptions.fetch_http import Fetched, FetchFailed, Limits, fetch_ics
from monitor.subscriptions.secrets import Source, SourceUnreadable, address_hint, seal, unseal

log = logging.getLogger(__name__)

KINDS = ("ics", "caldav")
SHORTEST_EVERY = 10  # seconds
LONGEST_EVERY = 7 * 86400
BUSY_RETRY = timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class SubscribeRequest:
    name: str
    url: str
    kind: str = "ics"
    every_seconds: int = 3600
    headers: tuple[tuple[str, str], ...] = ()
    username: str | None = None
    password: str | None = None
    timezone: str | None = None
    mapping: str | None = None


class SubscriptionProblem(ValueError):
    """A subscription that cannot be made or refreshed, naming the field it concerns."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RefreshBusy(Exception):
    """Another process is refreshing this subscription right now."""


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One refresh: ``error`` None when it worked; ``imported`` None when nothing changed."""

    name: str
    error: str | None = None
    imported: Imported | None = None

    @property
    def changed(self) -> bool:
        return self.imported is not None


def subscribe(
    engine: Engine, settings: Settings, request: SubscribeRequest, *, now: datetime
) -> Refreshed:
    """Check, fetch and import ``request`` once, then keep it; SubscriptionProblem saying why not.

    The same name again replaces the subscription (and updates the calendar in place)."""
    request = _checked(request)
    source = Source(request.url, request.headers, request.username, request.password)
    try:
        fetched = _fetch(request.kind, source, settings, etag=None, last_modified=None)
        imported = _store(engine, settings, request.name, fetched, request.timezone, request.mapping, now, force=True)  # fmt: skip
    except (FetchFailed, CalendarError) as exc:
        raise SubscriptionProblem(str(exc), field="url") from None
    with session_scope(engine) as session:
        row = find_subscription(session, request.name) or Subscription(
            name=request.name, kind="", address_hint="", secret=b"", every_seconds=0,
            next_refresh_at=now, created_at=now,
        )  # fmt: skip
        row.kind = request.kind
        row.address_hint = address_hint(request.url)
        row.secret = seal(source, settings.signing_key())
        row.every_seconds = request.every_seconds
        row.timezone = request.timezone
        row.mapping = request.mapping
        row.claimed_until = None
        session.add(row)
        session.flush()
        record(session, request.name, _success(fetched, imported), now=now)
    log.info("calendar %r subscribed to %s", request.name, address_hint(request.url))
    return Refreshed(request.name, imported=imported)


def refresh_subscription(
    engine: Engine, settings: Settings, name: str, *, now: datetime
) -> Refreshed | None:
    """Fetch ``name`` again and import what changed; None if there is no such subscription.

    RefreshBusy when another process is at it; WorkersBusy when no worker could read it
    (it is tried again shortly). A failure is recorded and returned, never raised."""
    hold = timedelta(seconds=settings.subscription_timeout_seconds + settings.job_seconds + 60)
    with session_scope(engine) as session:
        row = find_subscription(session, name)
        if row is None:
            return None
        if not claim(session, name, now=now, hold=hold):
            raise RefreshBusy(f"calendar {name!r} is being refreshed right now")
        kind, secret, etag, modified = row.kind, row.secret, row.etag, row.last_modified
        zone, mapping = row.timezone, row.mapping
    try:
        source = unseal(secret, settings.signing_key())
        fetched = _fetch(kind, source, settings, etag=etag, last_modified=modified)
        imported = _store(engine, settings, name, fetched, zone, mapping, now)
        outcome = _success(fetched, imported)
    except WorkersBusy:
        with session_scope(engine) as session:
            release(session, name, retry_at=now + BUSY_RETRY)
        raise
    except Exception as exc:  # whatever it was, the last good version stays and the error shows
        message = str(exc) if isinstance(exc, FetchFailed | CalendarError | SourceUnreadable | ValueError) else f"unexpected error ({type(exc).__name__})"  # fmt: skip
        log.warning("calendar %r could not be refreshed: %s", name, message)
        with session_scope(engine) as session:
            record(session, name, Outcome(error=message), now=now)
        return Refreshed(name, error=message)
    with session_scope(engine) as session:
        record(session, name, outcome, now=now)
    return Refreshed(name, imported=imported)


def header_pair(text: str) -> tuple[str, str]:
    """``"Authorization: Bearer x"`` → ``("Authorization", "Bearer x")``; SubscriptionProblem if not."""
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise SubscriptionProblem(f"{text[:40]!r} is not a header 'Name: value'", field="header")
    return name.strip(), value.strip()


def every_seconds(text: str) -> int:
    """``"1h"`` → 3600, within the bounds of how often a source may be fetched."""
    from monitor.intensity.policy import parse_duration

    try:
        seconds = round(parse_duration(text))
    except ValueError as exc:
        raise SubscriptionProblem(str(exc), field="every") from None
    if not SHORTEST_EVERY <= seconds <= LONGEST_EVERY:
        raise SubscriptionProblem(f"every is from {SHORTEST_EVERY}s to 7d, not {text}", field="every")  # fmt: skip
    return seconds


def _checked(request: SubscribeRequest) -> SubscribeRequest:
    try:
        calendar_name(request.name)
    except ValueError as exc:
        raise SubscriptionProblem(str(exc), field="name") from None
    if request.kind not in KINDS:
        raise SubscriptionProblem(f"kind is one of {', '.join(KINDS)}, not {request.kind!r}", field="kind")  # fmt: skip
    try:
        url = subscription_url(request.url)
    except ValueError as exc:
        raise SubscriptionProblem(str(exc), field="url") from None
    if not SHORTEST_EVERY <= request.every_seconds <= LONGEST_EVERY:
        raise SubscriptionProblem(
            f"every is from {SHORTEST_EVERY} s to 7 days, not {request.every_seconds} s",
            field="every",
        )
    for header, value in request.headers:
        if not header or any(c in header for c in ":\r\n \t") or any(c in value for c in "\r\n\0"):
            raise SubscriptionProblem(f"{header!r} is not a header 'Name: value' on one line", field="header")  # fmt: skip
    if request.password is not None and request.username is None:
        raise SubscriptionProblem("a password needs a user name", field="username")
    if request.timezone is not None:
        try:
            load_zone(request.timezone)
        except CalendarError as exc:
            raise SubscriptionProblem(exc.reason, field="timezone") from None
    if request.mapping is not None:
        try:
            parse_mapping(request.mapping)
        except CalendarError as exc:
            raise SubscriptionProblem(str(exc), field="mapping") from None
    return replace(request, url=url)


def _fetch(kind: str, source: Source, settings: Settings, *, etag: str | None, last_modified: str | None) -> Fetched:  # fmt: skip
    try:
        networks = parse_networks(settings.subscription_networks)
    except ValueError as exc:
        raise FetchFailed(f"CLOSEWATCH_SUBSCRIPTION_NETWORKS: {exc}") from None
    limits = Limits(settings.max_upload_bytes, settings.subscription_timeout_seconds, AddressPolicy(networks))  # fmt: skip
    try:
        if kind == "caldav":
            return fetch_caldav(source, limits, etag=etag)
        return fetch_ics(source, limits, etag=etag, last_modified=last_modified)
    except FetchFailed:
        raise
    except Exception as exc:  # a server's garbage can upset the HTTP and XML libraries in many ways
        # Only the type: an exception's text may quote the address, which may be a secret.
        raise FetchFailed(
            f"{address_hint(source.url)} gave an answer that could not be read ({type(exc).__name__})"
        ) from None


def _store(
    engine: Engine, settings: Settings, name: str, fetched: Fetched,
    timezone: str | None, mapping: str | None, now: datetime, *, force: bool = False,
) -> Imported | None:  # fmt: skip
    """Import a fetched calendar; None when nothing came (304) or it is byte for byte the stored
    one (unless ``force``: a new subscription may read the same bytes another way)."""
    if fetched.data is None:
        return None
    with session_scope(engine) as session:
        stored = find_calendar(session, name)
        same = stored is not None and stored.content_hash == content_hash(fetched.data)
    if same and not force:
        return None
    source = UploadedSource(name=name, data=fetched.data, filename=name, mapping=mapping)
    return import_calendar(engine, settings, ImportRequest(source, timezone=timezone), now=now)


def _success(fetched: Fetched, imported: Imported | None) -> Outcome:
    return Outcome(changed=imported is not None, etag=fetched.etag, last_modified=fetched.last_modified)  # fmt: skip
