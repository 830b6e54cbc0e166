"""Requests for notices, their confirmation, and leaving: what is stored, and the limits.

Pure over a database session and the clock: the pages call these in a thread.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from monitor.db.models import Audience, Delivery, Subscriber, SubscriberRequest, Unsubscribe
from monitor.site import Site
from monitor.subscribers.audiences import SUBSCRIBERS, audience_name, rebuild_audience
from notifiers.links import CONFIRM_MAX_AGE

SUBSCRIBE = "subscribe"  # the notice kind of the confirmation message
REQUESTS_AUDIENCE = "subscribers"  # the outbox's audience column for confirmation messages
PER_CLIENT, CLIENT_WINDOW = 5, timedelta(minutes=10)  # requests from one network address
PER_ADDRESS, ADDRESS_WINDOW = 3, timedelta(days=1)  # confirmation messages to one mailbox
CONFIRM_WITHIN = timedelta(seconds=CONFIRM_MAX_AGE)


class TooManyRequests(Exception):
    """The client asked too often; ``retry_after`` seconds until it may ask again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Confirmed:
    systems: list[str]
    first_time: bool  # False when the link was followed before


def address_key(secret: str, address: str) -> str:
    """The keyed hash a request keeps instead of the address (compared without case)."""
    return hmac.new(secret.encode(), address.lower().encode(), hashlib.sha256).hexdigest()


def normal_address(address: str) -> str:
    """The address as stored and mailed: as typed, with its domain in lower case."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def allowed_domain(address: str, domains: tuple[str, ...]) -> bool:
    return address.rpartition("@")[2].lower() in domains


def request_notices(
    session: Session,
    *,
    address: str,
    name: str,
    language: str,
    systems: list[str],
    client: str,
    secret: str,
    now: datetime,
) -> int | None:
    """Store a request and queue its confirmation message: the request's id.

    None when the address already had :data:`PER_ADDRESS` requests in a day: the
    request is stored (it counts) but no message goes out, and the person asking is
    told the same as always, so no one learns anything about the address.
    """
    # What is past every window goes: an unconfirmed request keeps no one's name for long.
    session.execute(
        delete(SubscriberRequest).where(col(SubscriberRequest.at) < now - CONFIRM_WITHIN)
    )
    since_client = now - CLIENT_WINDOW
    from_client = session.execute(
        select(func.count(), func.min(col(SubscriberRequest.at)))
        .where(col(SubscriberRequest.client) == client, col(SubscriberRequest.at) > since_client)
    ).one()  # fmt: skip
    if from_client[0] >= PER_CLIENT:
        wait = from_client[1] + CLIENT_WINDOW - now
        raise TooManyRequests(max(int(wait.total_seconds()) + 1, 1))
    key = address_key(secret, address)
    to_address = session.execute(
        select(func.count()).select_from(SubscriberRequest)
        .where(col(SubscriberRequest.address_hash) == key, col(SubscriberRequest.at) > now - ADDRESS_WINDOW)
    ).scalar_one()  # fmt: skip
    request = SubscriberRequest(address_hash=key, name=name, language=language,
                                  systems=systems, client=client, at=now)  # fmt: skip
    session.add(request)
    session.flush()
    assert request.id is not None
    if to_address >= PER_ADDRESS:
        return None
    session.add(Delivery(
        # SQLite hands a purged request's id out again: the key must not repeat with it.
        dedupe_key=f"{SUBSCRIBE}/{secrets.token_hex(8)}/{request.id}", kind=SUBSCRIBE, channel="email",
        audience=REQUESTS_AUDIENCE, recipient_name=name, recipient_address=address,
        due_at=now, first_due_at=now, created_at=now, updated_at=now,
    ))  # fmt: skip
    return request.id


def confirm(
    session: Session, request_id: int, address: str, site: Site, *, secret: str, now: datetime
) -> Confirmed | None:
    """Make the person a subscriber of the request's systems; None when the link is void."""
    request = session.get(SubscriberRequest, request_id)
    if (
        request is None
        or not hmac.compare_digest(request.address_hash, address_key(secret, address))
        or now - request.at > CONFIRM_WITHIN
    ):
        return None
    first_time = request.confirmed_at is None
    request.confirmed_at = request.confirmed_at or now
    session.add(request)
    rebuild: set[tuple[str, str]] = set()
    for system in request.systems:
        found = session.execute(
            select(Subscriber).where(col(Subscriber.address) == address, col(Subscriber.system) == system)
        ).scalar_one_or_none()  # fmt: skip
        if found is not None:
            rebuild.add((system, found.language))
        row = found or Subscriber(address=address, system=system, confirmed_at=now,
                                    name=request.name, language=request.language)  # fmt: skip
        row.name, row.language = request.name, request.language
        session.add(row)
        rebuild.add((system, request.language))
        # Asking again after leaving undoes the leaving.
        session.execute(delete(Unsubscribe).where(
            col(Unsubscribe.audience) == audience_name(system, request.language),
            col(Unsubscribe.recipient_address) == address,
        ))  # fmt: skip
    session.flush()
    for system, language in sorted(rebuild):
        rebuild_audience(session, system, language, site, now=now)
    return Confirmed(list(request.systems), first_time)


def leave(session: Session, audience: str, address: str, site: Site, *, now: datetime) -> bool:
    """The reader left a subscriber audience through its unsubscribe link: whether it was one."""
    row = session.execute(
        select(col(Audience.spec)).where(col(Audience.name) == audience, col(Audience.managed_by) == SUBSCRIBERS)
    ).scalar_one_or_none()  # fmt: skip
    if row is None:
        return False
    language = str(row.get("language", "en"))
    systems = [str(system) for system in row.get("concerns", {}).get("systems", [])]
    left = False
    for system in systems:
        gone = session.execute(delete(Subscriber).where(
            col(Subscriber.address) == address, col(Subscriber.system) == system,
            col(Subscriber.language) == language,
        ))  # fmt: skip
        left = left or bool(getattr(gone, "rowcount", 0))
        rebuild_audience(session, system, language, site, now=now)
    return left
