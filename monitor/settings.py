"""Service settings: environment variables prefixed ``CLOSEWATCH_``.

Each setting carries its default and a help line; the README's configuration
reference is checked against this class by a test.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    host: str = Field("127.0.0.1", description="Address `closewatch serve` listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port `closewatch serve` listens on.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'closewatch.db'}"
