"""Systems and their checks: from the site file, or created through the API.

Checks are matched by name within their system, so a check edited in the
site file keeps its id, its results and its incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import delete, select
from sqlmodel import Session, col

from monitor.checks.specs import CheckSpec
from monitor.db.models import Check, System
from monitor.fields import STORED
from monitor.site import SiteFile, SystemSpec

SITE, API = "site", "api"
CHECK_SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)


@dataclass(frozen=True, slots=True)
class WatchedCheck:
    """A check as the scheduler needs it."""

    id: int
    system: str
    name: str
    spec: Any  # HttpCheck | TcpCheck | TlsCheck


@dataclass(frozen=True, slots=True)
class SiteSync:
    added: int
    updated: int
    removed: int


def sync_site(session: Session, site: SiteFile, *, now: datetime) -> SiteSync:
    """Make the site-managed systems exactly those of ``site``."""
    existing = {system.name: system for system in session.execute(select(System)).scalars()}
    wanted = {spec.name: spec for spec in site.systems}
    added = updated = 0
    for spec in site.systems:
        system = existing.get(spec.name)
        if system is None:
            system = System(name=spec.name, plain_name=spec.plain_name)
            added += 1
        else:
            updated += 1
        save_system(session, system, spec, managed_by=SITE, now=now)
    stale = [s.id for name, s in existing.items() if s.managed_by == SITE and name not in wanted]
    if stale:
        session.execute(delete(System).where(col(System.id).in_(stale)))
    return SiteSync(added, updated, len(stale))


def save_system(
    session: Session, system: System, spec: SystemSpec, *, managed_by: str, now: datetime
) -> System:
    """Write ``spec`` into ``system`` and make its checks exactly ``spec.checks``."""
    system.plain_name = spec.plain_name
    system.plain_names = dict(spec.plain_names)
    system.owner_team = spec.owner_team
    system.description = spec.description
    system.policy = _policy_fields(spec)
    system.alerts = [dict(matcher) for matcher in spec.alerts]
    system.managed_by = managed_by
    system.updated_at = now
    session.add(system)
    session.flush()
    assert system.id is not None
    current = {
        check.name: check
        for check in session.execute(
            select(Check).where(col(Check.system_id) == system.id)
        ).scalars()
    }
    for check_spec in spec.checks:
        check = current.pop(check_spec.name, None) or Check(
            system_id=system.id, name=check_spec.name, kind="", spec={}
        )
        check.kind = check_spec.kind
        check.spec = check_spec.model_dump(mode="json")
        session.add(check)
    for gone in current.values():
        session.delete(gone)
    session.flush()
    return system


def find_system(session: Session, name: str) -> System | None:
    return session.execute(select(System).where(col(System.name) == name)).scalar_one_or_none()


def checks_of(session: Session, system_ids: Sequence[int] | None = None) -> dict[int, list[Check]]:
    query = select(Check).order_by(col(Check.system_id), col(Check.name))
    if system_ids is not None:
        query = query.where(col(Check.system_id).in_(system_ids))
    found: dict[int, list[Check]] = {}
    for check in session.execute(query).scalars():
        found.setdefault(check.system_id, []).append(check)
    return found


def watched_checks(session: Session) -> list[WatchedCheck]:
    """Every check with its system's name and its parsed spec."""
    rows = session.execute(
        select(Check, col(System.name)).join(System, col(System.id) == col(Check.system_id))
    )
    return [
        WatchedCheck(
            check.id or 0,
            name,
            check.name,
            CHECK_SPEC.validate_python(check.spec, context=STORED),
        )
        for check, name in rows
    ]


def _policy_fields(spec: SystemSpec) -> dict[str, Any]:
    return spec.policy.model_dump(exclude_none=True) if spec.policy else {}
