"""A demo set, so a new install shows something at once.

A rules calendar whose periods fall around any date (month-end and payroll
recur monthly; a year-end inventory count), three systems, a finance
audience with one member (its notices land as .eml files in DATA_DIR/outbox),
and a fresh admin token to try the API with. Given a :class:`DemoTarget`, each
system gets an HTTP check on it and a brisk policy (checked every few seconds,
two failures open an incident, a promise every three minutes), so its outages
show the whole loop within minutes.
"""

from __future__ import annotations

from datetime import datetime

import yaml
from sqlalchemy import Engine, delete, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import ApiToken, Audience, System
from monitor.demo_target import DemoTarget
from monitor.imports import ImportRequest, UploadedSource, import_calendar
from monitor.roles import Role
from monitor.settings import Settings
from monitor.site import AudienceSpec, Contact, Member, SystemSpec
from monitor.store.audiences import save_audience
from monitor.store.systems import SITE, save_system
from monitor.store.tokens import create_token

DEMO_CALENDAR = "demo-finance-calendar"
DEMO_TOKEN = "demo"

SYSTEMS = (
    System(
        name="sap-fi",
        plain_name="the finance and invoicing system",
        owner_team="ERP",
        plain_names={"de": "das Finanz- und Rechnungssystem"},
    ),
    System(
        name="payroll",
        plain_name="the payroll system",
        owner_team="HR IT",
        plain_names={"de": "das Lohnsystem"},
    ),
    System(
        name="wms",
        plain_name="the warehouse system",
        owner_team="Logistics IT",
        plain_names={"de": "das Lagersystem"},
    ),
)

FINANCE = AudienceSpec(
    name="finance",
    label="the finance team",
    timezone="Europe/Berlin",
    language="en",
    contact=Contact(name="Dana Weber", email="dana.weber@example.com", phone="+49 89 1234 567"),
    members=(Member(name="Alex Example", email="alex@example.com"),),
)

RULES = {
    "timezone": "Europe/Berlin",
    "working_days": {"country": "DE", "subdivision": "BY"},
    "periods": [
        {
            "id": "month-end",
            "title": "Month-end closing",
            "category": "month_end_close",
            "level": "high",
            "systems": ["sap-fi"],
            "audiences": ["finance"],
            "rule": {"around": "month_end", "before": 2, "after": 3},
        },
        {
            "id": "payroll",
            "title": "Payroll run",
            "category": "payroll",
            "systems": ["payroll"],
            "audiences": ["finance"],
            "rule": {"nth_working_day": -4},
        },
        {
            "id": "inventory",
            "title": "Year-end inventory count",
            "category": "inventory_count",
            "level": "critical",
            "systems": ["wms", "sap-fi"],
            "audiences": ["finance"],
            "rule": {"annual": "12-30", "days": 1, "if_not_working_day": "previous"},
        },
    ],
}


# Faster than any real policy, so a newcomer sees an incident and a kept promise in minutes.
DEMO_POLICY = {
    "normal": {"interval": "20s", "failures": 2, "response": "3m"},
    "elevated": {"interval": "15s", "failures": 2, "response": "3m"},
    "high": {"interval": "10s", "failures": 2, "response": "3m"},
    "critical": {"interval": "5s", "failures": 2, "response": "3m"},
}


def load_demo(
    engine: Engine, settings: Settings, *, now: datetime, target: DemoTarget | None = None
) -> str:
    """Load (or refresh) the demo set; returns a new admin token's secret."""
    with session_scope(engine) as session:
        for template in SYSTEMS:
            system = session.execute(
                select(System).where(col(System.name) == template.name)
            ).scalar_one_or_none()
            if system is None:
                system = System.model_validate(template.model_dump(exclude={"id"}))
                session.add(system)
            if target is not None and system.managed_by != SITE:
                save_system(session, system, _watched(template, target), managed_by="api", now=now)
        audience = session.execute(
            select(Audience).where(col(Audience.name) == FINANCE.name)
        ).scalar_one_or_none()
        # Notices for the demo audience land as .eml files in DATA_DIR/outbox.
        save_audience(session, audience or Audience(name=FINANCE.name, timezone=FINANCE.timezone), FINANCE,
                      managed_by="api", now=now)  # fmt: skip
    source = yaml.safe_dump(RULES, sort_keys=False).encode()
    upload = UploadedSource(name=DEMO_CALENDAR, data=source, filename="demo.yaml", team="Finance")
    import_calendar(engine, settings, ImportRequest(upload, format="rules"), now=now)
    with session_scope(engine) as session:
        # The secret was shown once and is not stored: replace the token on every demo start.
        session.execute(delete(ApiToken).where(col(ApiToken.name) == DEMO_TOKEN))
        _row, secret = create_token(session, name=DEMO_TOKEN, role=Role.ADMIN, now=now)
    return secret


def _watched(template: System, target: DemoTarget) -> SystemSpec:
    return SystemSpec.model_validate({
        "name": template.name, "plain_name": template.plain_name, "owner_team": template.owner_team,
        "policy": DEMO_POLICY,
        "checks": [{"name": "web", "kind": "http", "url": target.url(template.name), "timeout": 5}],
    })  # fmt: skip
