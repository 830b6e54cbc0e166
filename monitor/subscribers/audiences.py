"""The audiences subscribers make up: one per system and language.

An audience has one language, so a system's subscribers who read German and
those who read English are two audiences (``subscribers.de.sap-fi``,
``subscribers.en.sap-fi``). Each is rebuilt from the
:class:`~monitor.db.models.Subscriber` rows whenever someone joins or
leaves, and is removed with its last member. It hears of incidents at every
level (``incidents_at_normal: members``): that is what its members asked for.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from monitor.db.models import Audience, Subscriber, System
from monitor.notices.wording import FOLLOWERS, default_words, plain_name_in
from monitor.site import AudienceSpec, Concerns, Member, Site
from monitor.store.audiences import save_audience

SUBSCRIBERS = "signup"  # ``Audience.managed_by`` of these audiences
SUBSCRIBER_MANAGED = "made of the people who asked for notices; they leave by unsubscribing"
LONGEST_NAME = 200


def audience_name(system: str, language: str) -> str:
    name = f"subscribers.{language.lower()}.{system}"
    if len(name) <= LONGEST_NAME:
        return name
    digest = hashlib.sha256(system.encode()).hexdigest()[:16]
    return f"subscribers.{language.lower()}.{digest}"


def sync_subscriber_audiences(session: Session, site: Site, *, now: datetime) -> None:
    """Rebuild every subscriber audience, so a new contact in the site file signs at once."""
    pairs = session.execute(
        select(col(Subscriber.system), col(Subscriber.language)).distinct()
    ).all()  # fmt: skip
    wanted = {audience_name(system, language) for system, language in pairs}
    for system, language in sorted(pairs):
        rebuild_audience(session, system, language, site, now=now)
    session.execute(delete(Audience).where(
        col(Audience.managed_by) == SUBSCRIBERS, col(Audience.name).not_in(wanted)
    ))  # fmt: skip


def rebuild_audience(
    session: Session, system: str, language: str, site: Site, *, now: datetime
) -> None:
    """Make the audience of ``system`` in ``language`` exactly its confirmed subscribers."""
    name = audience_name(system, language)
    row = session.execute(select(Audience).where(col(Audience.name) == name)).scalar_one_or_none()
    if row is not None and row.managed_by != SUBSCRIBERS:
        return  # someone named an audience of their own this way: never touch it
    members = session.execute(
        select(col(Subscriber.name), col(Subscriber.address))
        .where(col(Subscriber.system) == system, col(Subscriber.language) == language)
        .order_by(col(Subscriber.id))
    ).all()  # fmt: skip
    settings = site.spec.subscribers
    if not members or settings is None:
        if row is not None:
            session.execute(delete(Audience).where(col(Audience.id) == row.id))
        return
    names = session.execute(
        select(col(System.plain_name), col(System.plain_names)).where(col(System.name) == system)
    ).one_or_none()  # fmt: skip
    plain_name = plain_name_in(names[0], names[1] or {}, language) if names else system
    spec = AudienceSpec(
        name=name,
        # Public pages name the group in plain words, in its language, never by its slug.
        label=default_words(FOLLOWERS, system=plain_name, language=language)[:200],
        timezone=site.default_timezone,  # as on the status page they asked on
        language=language,
        incidents_at_normal="members",
        contact=settings.contact,
        members=tuple(Member(name=member_name, email=address) for member_name, address in members),
        concerns=Concerns(systems=(system,)),
    )
    row = row or Audience(name=name, timezone=spec.timezone)
    save_audience(session, row, spec, managed_by=SUBSCRIBERS, now=now)
