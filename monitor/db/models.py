"""The tables. Instants are UTC (:class:`UTCDateTime`); zones are IANA names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.db.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _instant(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _parent(table: str) -> Column[int]:
    return Column(
        Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Calendar(SQLModel, table=True):
    """A source as uploaded, kept verbatim so it can be expanded again later."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    team: str = Field(default="", max_length=200)
    timezone: str = Field(max_length=64)
    format: str = Field(max_length=16)
    filename: str = Field(default="", max_length=255)
    encoding: str | None = Field(default=None, max_length=32)
    source: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_hash: str = Field(max_length=64)
    mapping: str | None = None  # the upload's own mapping rules (YAML), kept for re-expansion
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_instant())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_instant())
    expanded_at: datetime = Field(default_factory=utcnow, sa_column=_instant())


class Period(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("calendar_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    calendar_id: int = Field(sa_column=_parent("calendar"))
    key: str = Field(max_length=500)
    title: str = Field(max_length=500)
    category: str = Field(max_length=32, index=True)
    level: int
    description: str = ""
    recurrence: str | None = None
    timezone: str | None = Field(default=None, max_length=64)
    origin: str | None = Field(default=None, max_length=64)
    classified_by: str = Field(max_length=16)
    classification_rule: str | None = Field(default=None, max_length=200)


class PeriodTarget(SQLModel, table=True):
    """A system or audience a period concerns; a row each, so filters use an index."""

    __tablename__ = "period_target"
    __table_args__ = (Index("ix_period_target_kind_name", "kind", "name"),)

    period_id: int = Field(
        sa_column=Column(Integer, ForeignKey("period.id", ondelete="CASCADE"), primary_key=True)
    )
    kind: str = Field(primary_key=True, max_length=16)  # "system" | "audience"
    name: str = Field(primary_key=True, max_length=200)


class Occurrence(SQLModel, table=True):
    """A concrete span [start, end) of a period. Category and level are copied
    from the period so the common time-range queries need no join."""

    __table_args__ = (
        UniqueConstraint("period_id", "instance"),
        Index("ix_occurrence_start_end", "start", "end"),
        Index("ix_occurrence_category_start", "category", "start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=_parent("period"))
    calendar_id: int = Field(sa_column=_parent("calendar"))
    instance: str = Field(max_length=64)
    start: datetime = Field(sa_column=_instant())
    end: datetime = Field(sa_column=_instant())
    title: str | None = Field(default=None, max_length=500)
    category: str = Field(max_length=32)
    level: int


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    role: str = Field(max_length=16)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_instant())
    last_used_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))


class BrowserSession(SQLModel, table=True):
    """A browser signed in with a token. Its cookie holds a random id; this row, the id's hash.

    Signing out deletes the row; revoking the token deletes the token's rows with it
    (``ON DELETE CASCADE``), so either ends the session at the next request.
    """

    __tablename__ = "browser_session"

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(unique=True, max_length=64)
    token_id: int = Field(sa_column=_parent("api_token"))
    nonce: str = Field(max_length=64)  # what this session's CSRF tokens sign
    created_at: datetime = Field(sa_column=_instant())
    expires_at: datetime = Field(sa_column=_instant(index=True))


class SigninFailure(SQLModel, table=True):
    """A sign-in with a wrong token, counted per client address to slow down guessing."""

    __tablename__ = "signin_failure"
    __table_args__ = (Index("ix_signin_failure_client_at", "client", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=64)
    at: datetime = Field(sa_column=_instant())


class System(SQLModel, table=True):
    """Something users depend on: a technical name and the plain name they know.

    ``managed_by`` is ``site`` for systems from the site file (changed only
    there) and ``api`` for those created through the API. ``policy`` holds this
    system's overrides of the intensity policy, level by level.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    plain_name: str = Field(max_length=200)
    # The plain name in other languages, by language ("de": "das Rechnungssystem").
    plain_names: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    owner_team: str = Field(default="", max_length=200)
    description: str = ""
    managed_by: str = Field(default="api", max_length=8)
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Label matchers of alerts from other monitoring that concern this system.
    alerts: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_instant())


class Check(SQLModel, table=True):
    """One way of telling whether a system works; ``spec`` is its kind's settings."""

    __tablename__ = "system_check"  # plain "check" is a reserved word in SQL
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(sa_column=_parent("system"))
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CheckResult(SQLModel, table=True):
    """A recent result, kept for ``CLOSEWATCH_RESULT_RETENTION_HOURS``, then rolled up."""

    __tablename__ = "check_result"
    __table_args__ = (Index("ix_check_result_check_at", "check_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(
        sa_column=Column(Integer, ForeignKey("system_check.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(sa_column=_instant(index=True))
    status: str = Field(max_length=8)
    duration_ms: float
    level: int
    message: str = Field(default="", max_length=500)


class CheckSummary(SQLModel, table=True):
    """One check's hour: how many results of each status, and latency percentiles."""

    __tablename__ = "check_summary"

    check_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("system_check.id", ondelete="CASCADE"), primary_key=True
        )
    )
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    total: int
    up: int
    degraded: int
    down: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


class Incident(SQLModel, table=True):
    """A check failing past its level's threshold, from opening to recovery.

    ``level`` is the system's level when it opened; the timeline is in
    :class:`IncidentEvent`.
    """

    __table_args__ = (Index("ix_incident_status_opened", "status", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(sa_column=_parent("system"))
    check_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("system_check.id", ondelete="SET NULL"), nullable=True
        ),
    )
    status: str = Field(max_length=16)  # "open" or "closed"
    level: int
    title: str = Field(max_length=500)
    opened_at: datetime = Field(sa_column=_instant())
    closed_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    # What users are told (issue: incidents told the way users need). A next update is
    # always promised while people are told about it; resolved means the resolved notice
    # went out; confirmed, that readers said it works (or stayed quiet long enough).
    public_line: str = Field(default="", max_length=1000)
    handler: str = Field(default="", max_length=200)
    next_update_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    summary: str = Field(default="", max_length=1000)
    what_you_can_do: str = Field(default="", max_length=1000)
    resolved_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    confirmed_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    # p1 (most urgent) to p4: the business impact of the level and the people affected.
    priority: str = Field(default="p4", max_length=4, index=True)


class IncidentEvent(SQLModel, table=True):
    """One entry of an incident's timeline: opened, failed again, recovered, closed."""

    __tablename__ = "incident_event"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(sa_column=_parent("incident"))
    at: datetime = Field(sa_column=_instant())
    kind: str = Field(max_length=32)
    message: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ExternalAlert(SQLModel, table=True):
    """An alert another monitor reported (Alertmanager, Grafana, a status webhook).

    ``key`` is the source's identity for it (Alertmanager's fingerprint, a webhook's
    ``id``), so a re-sent notification finds its row. While ``firing``, the system
    counts as failing from ``source``; ``incident_id`` is the incident it feeds.
    ``details`` (labels, annotations, links) is for IT only, never for readers.
    """

    __tablename__ = "external_alert"
    __table_args__ = (
        UniqueConstraint("source", "key"),
        Index("ix_external_alert_incident_firing", "incident_id", "firing"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    key: str = Field(max_length=200)
    system_id: int = Field(sa_column=_parent("system"))
    incident_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("incident.id", ondelete="SET NULL"), nullable=True),
    )
    firing: bool
    summary: str = Field(default="", max_length=1000)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(sa_column=_instant())
    updated_at: datetime = Field(sa_column=_instant())


class Audience(SQLModel, table=True):
    """A group of people and the IT contact who signs their notices.

    ``spec`` is the audience as written in the site file or sent to the API
    (members, quiet hours, channels, which periods concern it).
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    timezone: str = Field(max_length=64)
    language: str = Field(default="en", max_length=16)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=320)
    managed_by: str = Field(default="api", max_length=8)
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_instant())


class Delivery(SQLModel, table=True):
    """The outbox: one notice to one recipient on one channel.

    ``dedupe_key`` makes planning idempotent (a re-run finds the row it made)
    and gives the message its Message-ID. ``status`` moves from ``pending`` to
    ``sending`` (claimed, with a lease) to ``sent``; failures go back to
    ``pending`` with a later ``due_at``, or to ``dead`` past the maximum age;
    notices no longer wanted (a cancelled occurrence) become ``withdrawn``.
    """

    __table_args__ = (Index("ix_delivery_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=300)
    kind: str = Field(max_length=16)
    channel: str = Field(max_length=16)
    audience: str = Field(max_length=200, index=True)
    recipient_name: str = Field(default="", max_length=200)
    recipient_address: str = Field(max_length=500)
    occurrence_id: int | None = Field(default=None, index=True)
    incident_id: int | None = Field(default=None, index=True)
    due_at: datetime = Field(sa_column=_instant())
    first_due_at: datetime = Field(sa_column=_instant())
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    last_error: str = Field(default="", max_length=1000)
    lease_until: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    subject: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_instant())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_instant())
    sent_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))


class Feedback(SQLModel, table=True):
    """A reader's answer through a signed link: sorted, still a problem, or a rating.

    One row per link (the delivery it came in): a later answer replaces the earlier one.
    ``alerted_at`` is when "still a problem" last reached the IT contact, at most hourly.
    """

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=300, unique=True, index=True)  # the delivery of the link
    audience: str = Field(max_length=200, index=True)
    recipient_address: str = Field(max_length=500)
    occurrence_id: int | None = Field(default=None, index=True)
    incident_id: int | None = Field(default=None, index=True)
    answer: str = Field(max_length=16)  # "sorted", "problem" or "rating"
    rating: int | None = None
    comment: str = Field(default="", max_length=2000)
    at: datetime = Field(sa_column=_instant())
    alerted_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))


class Unsubscribe(SQLModel, table=True):
    """A recipient who asked for no more notices for an audience."""

    __table_args__ = (UniqueConstraint("audience", "recipient_address"),)

    id: int | None = Field(default=None, primary_key=True)
    audience: str = Field(max_length=200)
    recipient_address: str = Field(max_length=500)
    at: datetime = Field(sa_column=_instant())


class NoticeTemplate(SQLModel, table=True):
    """An uploaded override of a notice's subject, text and HTML parts.

    ``audience`` and ``category`` are null for "any"; SQL treats nulls as
    distinct in the unique constraint, so replacing looks the row up first.
    """

    __tablename__ = "notice_template"
    __table_args__ = (UniqueConstraint("audience", "category", "kind", "lang"),)

    id: int | None = Field(default=None, primary_key=True)
    audience: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=16)
    lang: str = Field(max_length=16)
    subject: str
    text: str
    html: str
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_instant())


class ProblemReport(SQLModel, table=True):
    """A user's problem report from the public form: the three answers and who asks.

    ``reference`` is what the reporter quotes on the phone; ``critical_period`` is
    the period active when they wrote, added by closewatch as the reason for
    urgency; ``client`` is their address, counted to limit how often one can write.
    """

    __tablename__ = "problem_report"
    __table_args__ = (
        Index("ix_problem_report_client_at", "client", "at"),
        Index("ix_problem_report_at", "at"),  # the reports during a period, for its report
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, max_length=16)
    name: str = Field(max_length=200)
    contact: str = Field(max_length=320)
    doing: str = Field(max_length=2000)
    seen: str = Field(max_length=2000)
    since: str = Field(max_length=200)
    system: str = Field(default="", max_length=200)
    critical_period: str = Field(default="", max_length=500)
    client: str = Field(default="", max_length=64)
    at: datetime = Field(sa_column=_instant())


class Subscription(SQLModel, table=True):
    """A calendar kept by fetching an address (an .ics URL or a CalDAV collection).

    The address, headers and credentials are one encrypted blob (``secret``, see
    :mod:`monitor.subscriptions.secrets`): a Google "secret address" is a password
    too. What may be shown is ``address_hint`` (scheme, host and port). The
    calendar of the same name holds the last good version.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=16)  # "ics" | "caldav"
    address_hint: str = Field(max_length=300)
    secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    every_seconds: int
    timezone: str | None = Field(default=None, max_length=64)
    mapping: str | None = None
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    next_refresh_at: datetime = Field(sa_column=_instant(index=True))
    # A refresh claims the row until then, so two never fetch the same source at once.
    claimed_until: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    last_attempt_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    last_success_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    last_changed_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    last_error: str | None = Field(default=None, max_length=1000)
    failures: int = 0  # in a row, since the last success
    created_at: datetime = Field(default_factory=utcnow, sa_column=_instant())


class SubscriberRequest(SQLModel, table=True):
    """A request for notices from the status page, until it is confirmed or expires.

    It keeps no address, only its keyed hash (``address_hash``): enough to count the
    requests for one address and to check the confirmation link, nothing to mail to.
    ``client`` is the requester's network address, counted like the problem reports'.
    """

    __tablename__ = "subscriber_request"
    __table_args__ = (
        Index("ix_subscriber_request_client_at", "client", "at"),
        Index("ix_subscriber_request_address_at", "address_hash", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    address_hash: str = Field(max_length=64)
    name: str = Field(max_length=200)
    language: str = Field(max_length=16)
    systems: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    client: str = Field(default="", max_length=64)
    at: datetime = Field(sa_column=_instant())
    confirmed_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))


class Subscriber(SQLModel, table=True):
    """A person who asked for a system's notices and confirmed it: a member of the
    system's subscriber audience in their language (see :mod:`monitor.subscribers`)."""

    __table_args__ = (UniqueConstraint("address", "system"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=320)
    name: str = Field(max_length=200)
    system: str = Field(max_length=200, index=True)
    language: str = Field(max_length=16)
    confirmed_at: datetime = Field(sa_column=_instant())


class MaintenanceWindow(SQLModel, table=True):
    """Planned work on a system: ``[start, end)`` in UTC, and why.

    A window that overlaps a critical period of the system (or its ramp) is stored
    only when an admin overrides the refusal: ``override_reason`` says why, and
    ``collisions`` lists the periods it collided with when it was approved.
    """

    __tablename__ = "maintenance_window"
    __table_args__ = (Index("ix_maintenance_window_system_start_end", "system", "start", "end"),)

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=200)
    start: datetime = Field(sa_column=_instant())
    end: datetime = Field(sa_column=_instant(index=True))
    reason: str = Field(max_length=500)
    override_reason: str = Field(default="", max_length=500)
    collisions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=_instant())
