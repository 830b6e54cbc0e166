"""Service settings: environment variables prefixed ``CLOSEWATCH_``.

Each setting carries its default and a help line; the README's configuration
reference is checked against this class by a test. The few that reading a
calendar needs can also be loaded alone, for a fast start
(:mod:`monitor.reading_settings`).
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.fields import known_zone


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLOSEWATCH_", extra="forbid")

    data_dir: Path = Field(
        Path("./data"),
        description="Directory for the SQLite database and other local state.",
    )
    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL of the database. Default: SQLite in DATA_DIR/closewatch.db. "
            "For several replicas use PostgreSQL: postgresql+psycopg://user@host/db."
        ),
    )
    timezone: str = Field(
        "UTC",
        description="IANA time zone for calendars uploaded without one (e.g. Europe/Berlin).",
    )
    max_upload_bytes: int = Field(
        5 * 1024 * 1024,
        gt=0,
        description="Largest calendar upload accepted, in bytes; larger ones get HTTP 413.",
    )
    horizon_past_days: int = Field(
        31, ge=0, description="How far back occurrences are kept, in days."
    )
    horizon_future_days: int = Field(
        400, ge=1, description="How far ahead recurring periods are expanded, in days."
    )
    max_occurrences_per_series: int = Field(
        1000,
        ge=1,
        description="A recurring series with more occurrences in the horizon is cut here, with a warning.",
    )
    max_occurrences_per_upload: int = Field(
        100_000,
        ge=1,
        description="A calendar with more occurrences in the horizon is refused (HTTP 422), naming this limit.",
    )
    job_seconds: float = Field(
        120.0,
        gt=0,
        description="Longest one job on user input may run (reading an upload, checking or rendering an uploaded template); past it the job is stopped and refused (HTTP 422).",
    )
    job_workers: int = Field(
        2,
        ge=1,
        le=32,
        description="Worker processes that read uploads and render uploaded templates, started on first use.",
    )
    job_memory_mb: int = Field(
        1024,
        ge=256,
        description="Memory (address space) one of those worker processes may take for a job, in MiB.",
    )
    site_file: Path | None = Field(
        None,
        description="YAML site file: systems, their checks, policy and ramps. Loaded at start.",
    )
    result_retention_hours: int = Field(
        48,
        ge=1,
        description="How long each check result is kept before only hourly summaries remain.",
    )
    summary_retention_days: int = Field(
        400, ge=1, description="How long hourly check summaries (availability, latency) are kept."
    )
    max_concurrent_checks: int = Field(
        500, ge=1, description="Checks running at once, at most; a hanging target holds one slot."
    )
    public_url: str = Field(
        "http://127.0.0.1:8080",
        description="Address people reach closewatch at; feedback and unsubscribe links start with it.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Signs feedback and unsubscribe links. Default: a random key kept in DATA_DIR/secret_key.",
    )
    smtp_host: str | None = Field(
        None,
        description="SMTP server for email notices. Unset: notices are written as .eml files to DATA_DIR/outbox.",
    )
    smtp_port: int = Field(
        587, ge=1, le=65535, description="SMTP port (587 with STARTTLS, 465 with TLS, 25 plain)."
    )
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls, tls (implicit, port 465) or none."
    )
    smtp_username: str | None = Field(
        None, description="SMTP user name, when the server wants one."
    )
    smtp_password: SecretStr | None = Field(None, description="SMTP password; never logged.")
    smtp_sender: str = Field(
        "closewatch@localhost", description="Envelope and From address of email notices."
    )
    smtp_per_second: float | None = Field(
        None,
        gt=0,
        description="At most this many emails a second (a server's rate limit); unset: no limit.",
    )
    smtp_connections: int = Field(
        4,
        ge=1,
        le=32,
        description="SMTP connections used side by side; a crash can repeat one message per connection.",
    )
    outbox_lease_seconds: int = Field(
        120,
        ge=1,
        description="A claimed delivery not confirmed within this is claimed again (its sender died).",
    )
    outbox_max_age_hours: int = Field(
        24,
        ge=1,
        description="A delivery still failing this long after it was due becomes a dead letter.",
    )
    plan_ahead_days: int = Field(
        35, ge=1, description="How far ahead notices are planned into the outbox."
    )
    helpdesk: str | None = Field(
        None,
        description="Where problem reports go: an email address, or an Apprise URL for a chat or ticket system.",
    )
    subscription_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Longest one fetch of a subscribed calendar may take, redirects included; past it the refresh fails and the last good version stays.",
    )
    subscription_networks: str = Field(
        "",
        description="Non-public networks subscriptions may fetch from, comma-separated (e.g. 10.0.0.0/8,127.0.0.1/32 for an intranet Nextcloud or DavMail); public addresses are always allowed, others refused.",
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, comma-separated addresses or networks (e.g. 10.0.0.0/8 for a Kubernetes ingress; * for any): the sign-in and sign-up limits then count each visitor's own address, not the proxy's.",
    )
    host: str = Field("127.0.0.1", description="Address `closewatch serve` listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port `closewatch serve` listens on.")

    @field_validator("subscription_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        from monitor.subscriptions.address import parse_networks

        parse_networks(value)  # a bad one stops start-up, naming it
        return value

    _known_zone = field_validator("timezone")(known_zone)

    def signing_key(self) -> str:
        """The key for signed links: the configured one, else one kept in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _stored_key(self.data_dir.resolve())

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'closewatch.db'}"


@functools.cache
def _stored_key(data_dir: Path) -> str:
    """The data directory's key, made on first use; read once, as every signed link needs it."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()
