"""How checks are described, in the site file and the API.

Each kind has its own model; unknown keys are refused so a typo
(``expect_satus``) is an error, not a silently ignored setting.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from monitor.checks.pattern import MAX_PATTERN, compile_pattern
from monitor.fields import Checked, is_stored

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def technical_name(value: str) -> str:
    """Names appear in metrics labels and URLs: lowercase, digits, ``.``, ``_``, ``-``."""
    if not NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a technical name: use lowercase letters, digits, '.', '_' or '-' (e.g. sap-fi)"
        )
    return value


class _CheckBase(Checked):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=NAME, max_length=100, description="Unique within its system, e.g. `web`."
    )
    timeout: float = Field(
        10.0, gt=0, le=120, description="Seconds before the check counts as down."
    )


class HttpCheck(_CheckBase):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"body", "body_contains", "body_pattern"})

    kind: Literal["http"] = "http"
    url: str = Field(description="http:// or https:// URL.")
    method: Literal["GET", "HEAD", "POST", "PUT", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(None, description="Request body, for POST and PUT.")
    expect_status: tuple[int, ...] = Field((200,), description="Statuses that count as up.")
    body_contains: str | None = Field(None, description="Text the response body must contain.")
    body_pattern: str | None = Field(
        None,
        max_length=MAX_PATTERN,
        description="Regular expression the body must match, in RE2 syntax "
        "(no backreferences or lookaround).",
    )
    verify_tls: bool = True
    ca_file: str | None = Field(
        None, description="PEM bundle to verify https against instead of the system's."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL with a host")
        return value

    @field_validator("expect_status", mode="before")
    @classmethod
    def _statuses(cls, value: object) -> object:
        return (value,) if isinstance(value, int) else value

    @field_validator("expect_status")
    @classmethod
    def _real_statuses(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(not 100 <= status <= 599 for status in value):
            raise ValueError("statuses are numbers from 100 to 599")
        return value

    @field_validator("body_pattern")
    @classmethod
    def _compiles(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A check stored before patterns ran on RE2 still loads; its probe says what to fix.
        if value is not None and not is_stored(info):
            compile_pattern(value)
        return value


class TcpCheck(_CheckBase):
    kind: Literal["tcp"] = "tcp"
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


class TlsCheck(_CheckBase):
    kind: Literal["tls"] = "tls"
    host: str = Field(min_length=1)
    port: int = Field(443, ge=1, le=65535)
    server_name: str | None = Field(None, description="SNI and the name to verify; default: host.")
    warn_days: int = Field(21, ge=0, le=3650, description="Fewer days left than this: degraded.")
    fail_days: int = Field(7, ge=0, le=3650, description="Fewer days left than this: down.")
    ca_file: str | None = Field(
        None, description="PEM bundle to verify against instead of the system's."
    )

    @model_validator(mode="after")
    def _warn_before_fail(self) -> TlsCheck:
        if self.warn_days < self.fail_days:
            raise ValueError("warn_days must be at least fail_days")
        return self


CheckSpec = Annotated[HttpCheck | TcpCheck | TlsCheck, Field(discriminator="kind")]
