"""The tables. Instants are UTC (:class:`UTCDateTime`); zones are IANA names.

One module an area. Importing this package registers every table on ``SQLModel.metadata``
(the migrations rely on it); callers import the tables from here."""

from __future__ import annotations

from monitor.db.models.audiences import Audience
from monitor.db.models.auth import ApiToken, BrowserSession, SigninFailure
from monitor.db.models.calendars import Calendar, Occurrence, Period, PeriodTarget
from monitor.db.models.incidents import ExternalAlert, Incident, IncidentEvent
from monitor.db.models.maintenance import MaintenanceWindow
from monitor.db.models.notices import Delivery, Feedback, NoticeTemplate, Unsubscribe
from monitor.db.models.reports import ProblemReport
from monitor.db.models.subscribers import Subscriber, SubscriberRequest
from monitor.db.models.subscriptions import Subscription
from monitor.db.models.systems import Check, CheckResult, CheckSummary, System

__all__ = [
    "ApiToken",
    "Audience",
    "BrowserSession",
    "Calendar",
    "Check",
    "CheckResult",
    "CheckSummary",
    "Delivery",
    "ExternalAlert",
    "Feedback",
    "Incident",
    "IncidentEvent",
    "MaintenanceWindow",
    "NoticeTemplate",
    "Occurrence",
    "Period",
    "PeriodTarget",
    "ProblemReport",
    "SigninFailure",
    "Subscriber",
    "SubscriberRequest",
    "Subscription",
    "System",
    "Unsubscribe",
]
