"""Fetching a CalDAV calendar collection (Nextcloud, Radicale, iCloud, Exchange via DavMail).

The collection's ``getctag`` (a tag every server in that list keeps, which
changes with any event in it) is asked for first, in one PROPFIND: when it is
the one of the last good fetch, nothing else is fetched. Otherwise every event
is fetched in one REPORT and the events are put one after another, each in its
own ``VCALENDAR`` as the server keeps them, which the iCalendar reader takes as
one calendar. They are ordered by their address, so an unchanged collection
gives the same bytes (and the import finds nothing to do).

The host is checked against the address policy when the fetch starts (the
``caldav`` library opens its own connections, so a name that resolves to
another address a moment later is not caught: the residual risk of DNS
rebinding, for CalDAV only); a redirect is not followed, and no proxy from the
environment is used.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpcore

from monitor.subscriptions.address import AddressRefused
from monitor.subscriptions.fetch_http import Fetched, FetchFailed, Limits
from monitor.subscriptions.quiet import quiet_libraries
from monitor.subscriptions.secrets import Source, address_hint

CTAG = "{http://calendarserver.org/ns/}getctag"


def fetch_caldav(source: Source, limits: Limits, *, etag: str | None = None) -> Fetched:
    """The collection's events as one iCalendar text, or None for "unchanged since ``etag``"."""
    with quiet_libraries():  # caldav and urllib3 log the whole address, which may be a secret
        return _fetch(source, limits, etag)


def _fetch(source: Source, limits: Limits, etag: str | None) -> Fetched:
    from caldav.davclient import DAVClient
    from caldav.elements.base import ValuedBaseElement
    from caldav.lib import error
    from requests.auth import HTTPBasicAuth

    class GetCTag(ValuedBaseElement):
        tag = CTAG

    hint = address_hint(source.url)
    parts = urlsplit(source.url)
    try:
        limits.policy.resolve(parts.hostname or "", parts.port or 443)
    except AddressRefused as exc:
        raise FetchFailed(str(exc)) from None
    except httpcore.ConnectError as exc:
        raise FetchFailed(str(exc)) from None
    try:
        client = DAVClient(
            url=source.url,
            # Basic at once (every server in the list takes it, over https): no 401 round trip.
            auth=HTTPBasicAuth(source.username, source.password or "")
            if source.username is not None
            else None,
            headers=dict(source.headers),
            timeout=max(1, round(limits.timeout)),
        )
        # The host was checked above: a redirect, or a proxy from the environment, would
        # take the requests somewhere else.
        client.session.max_redirects = 0
        client.session.trust_env = False
        with client:
            calendar = client.calendar(url=source.url)  # type: ignore[no-untyped-call]  # caldav's own
            ctag = calendar.get_properties([GetCTag()]).get(CTAG)
            if etag is not None and ctag == etag:
                return Fetched(None, etag)
            events = sorted(calendar.events(), key=lambda event: str(event.url))
            body = bytearray()
            for event in events:
                body += _text(event.data).encode()
                if len(body) > limits.size:
                    raise FetchFailed(f"{hint} holds more than the limit of {limits.size} bytes (CLOSEWATCH_MAX_UPLOAD_BYTES)")  # fmt: skip
    except error.AuthorizationError:
        raise FetchFailed(f"{hint} refused the user name and password") from None
    except error.NotFoundError:
        raise FetchFailed(f"{hint} has no calendar collection at that address") from None
    except error.DAVError as exc:
        raise FetchFailed(f"{hint} answered with an error ({type(exc).__name__})") from None
    except OSError as exc:  # the HTTP library's errors derive from it
        if type(exc).__name__ == "TooManyRedirects":
            raise FetchFailed(
                f"{hint} redirected elsewhere; a CalDAV address is used as given"
            ) from None
        raise FetchFailed(f"{hint} could not be reached ({type(exc).__name__})") from None
    if not events:
        body += b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//closewatch//empty//EN\r\nEND:VCALENDAR\r\n"
    return Fetched(bytes(body), str(ctag) if ctag else None)


def _text(data: object) -> str:
    text = data.decode() if isinstance(data, bytes) else str(data or "")
    return text if text.endswith("\n") else text + "\r\n"
