"""Audiences: from the site file (changed only there) or the API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from monitor.db.models import Audience
from monitor.fields import STORED
from monitor.site import AudienceSpec, SiteFile

SITE, API = "site", "api"


def sync_site_audiences(session: Session, site: SiteFile, *, now: datetime) -> None:
    """Make the site-managed audiences exactly those of ``site``."""
    existing = {audience.name: audience for audience in session.execute(select(Audience)).scalars()}
    for spec in site.audiences:
        save_audience(session, existing.get(spec.name) or Audience(name=spec.name, timezone=spec.timezone), spec,
                      managed_by=SITE, now=now)  # fmt: skip
    wanted = {spec.name for spec in site.audiences}
    stale = [a.id for name, a in existing.items() if a.managed_by == SITE and name not in wanted]
    if stale:
        session.execute(delete(Audience).where(col(Audience.id).in_(stale)))


def save_audience(
    session: Session, audience: Audience, spec: AudienceSpec, *, managed_by: str, now: datetime
) -> Audience:
    audience.timezone = spec.timezone
    audience.language = spec.language
    audience.contact_name = spec.contact.name
    audience.contact_email = spec.contact.email
    audience.spec = spec.model_dump(mode="json")
    audience.managed_by = managed_by
    audience.updated_at = now
    session.add(audience)
    session.flush()
    return audience


def audience_specs(session: Session) -> list[AudienceSpec]:
    """Every audience that has a full spec (members, contact)."""
    rows = session.execute(select(col(Audience.spec)).order_by(col(Audience.name))).scalars()
    return [AudienceSpec.model_validate(spec, context=STORED) for spec in rows if spec]


def find_audience(session: Session, name: str) -> AudienceSpec | None:
    spec = session.execute(
        select(col(Audience.spec)).where(col(Audience.name) == name)
    ).scalar_one_or_none()
    return AudienceSpec.model_validate(spec, context=STORED) if spec else None
