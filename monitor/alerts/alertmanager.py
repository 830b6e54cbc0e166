"""Alertmanager's webhook payload (version 4), which Grafana's alerting webhook shares.

Machine input from a monitor that retries whatever it is refused: the shape is
checked, texts are cut to what the columns hold and lose unwanted characters
(a stray escape in an annotation), instead of refusing the whole notification.
Each alert becomes one :class:`~monitor.alerts.intake.Report` keyed by its
fingerprint (Grafana and Alertmanager both send one; without it, a hash of
the labels, which is what Alertmanager's fingerprint is made from).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from calendars.text import without_unwanted
from monitor.alerts.intake import Report
from monitor.alerts.matchers import system_of

MAX_ALERTS = 1000  # in one notification; Alertmanager's groups are far smaller
MAX_LABELS = 100
MAX_TEXT = 1000
MAX_KEY = 200


# What else a monitor may send, documented as plain values: every structured field either
# sends is declared below (and otherwise ignored).
_OTHER_FIELDS: JsonDict = {
    "additionalProperties": {"type": ["string", "number", "boolean", "null"]}
}


class _Lenient(BaseModel):
    model_config = ConfigDict(
        extra="ignore", populate_by_name=True, json_schema_extra=_OTHER_FIELDS
    )


class Alert(_Lenient):
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    annotations: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    starts_at: AwareDatetime | None = Field(None, alias="startsAt")
    ends_at: str | None = Field(None, alias="endsAt", description="Not used.")
    generator_url: str = Field("", alias="generatorURL")
    fingerprint: str = ""
    values: dict[str, float | None] | None = Field(None, description="Grafana's; not used.")

    @field_validator("starts_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        """An instant closewatch can store (years 1900 to 2199), else none: the time it came."""
        if value is None or not 1900 <= value.year <= 2199:
            return None
        return value.astimezone(UTC)


class AlertmanagerPayload(_Lenient):
    """What Alertmanager's ``webhook_configs`` and Grafana's webhook contact point send."""

    version: str = Field("4", description="Alertmanager sends 4; Grafana 1.")
    status: Literal["firing", "resolved"] | None = None
    receiver: str = ""
    alerts: list[Alert] = Field(max_length=MAX_ALERTS)
    # Sent, and not used: closewatch reads each alert on its own.
    group_labels: dict[str, str] | None = Field(None, alias="groupLabels")
    common_labels: dict[str, str] | None = Field(None, alias="commonLabels")
    common_annotations: dict[str, str] | None = Field(None, alias="commonAnnotations")


class Ignored(BaseModel):
    fingerprint: str
    reason: str


def reports_of(
    payload: AlertmanagerPayload,
    *,
    source: str,
    known: Iterable[str],
    matchers: Mapping[str, list[dict[str, str]]],
) -> tuple[list[Report], list[Ignored]]:
    """Each alert as a report on the system it concerns; those that concern none, with why."""
    names = set(known)
    reports, ignored = [], []
    for alert in payload.alerts:
        key = _clean(alert.fingerprint, MAX_KEY) or _fingerprint(alert.labels)
        system = system_of(alert.labels, names, matchers)
        if system is None:
            ignored.append(Ignored(fingerprint=key, reason=_why_unmatched(alert.labels)))
            continue
        reports.append(Report(
            system=system, source=source, key=key, firing=alert.status == "firing",
            summary=_summary(alert), details=_details(alert), started_at=alert.starts_at,
        ))  # fmt: skip
    return reports, ignored


def _summary(alert: Alert) -> str:
    for text in (alert.annotations.get("summary"), alert.annotations.get("description"),
                 alert.labels.get("alertname")):  # fmt: skip
        if text and text.strip():
            return _clean(text.strip().splitlines()[0], MAX_TEXT)
    return ""


def _details(alert: Alert) -> dict[str, object]:
    return {
        "labels": {_clean(k, 200): _clean(v, MAX_TEXT) for k, v in alert.labels.items()},
        "annotations": {
            _clean(k, 200): _clean(v, MAX_TEXT, lines=True) for k, v in alert.annotations.items()
        },
        "link": _clean(alert.generator_url, MAX_TEXT),
    }


def _why_unmatched(labels: Mapping[str, str]) -> str:
    named = labels.get("closewatch_system")
    if named is not None:
        return f"no system named {_clean(named, 200)!r}"
    return "no closewatch_system label, and no system's alerts matchers match its labels"


def _fingerprint(labels: Mapping[str, str]) -> str:
    text = "\x00".join(f"{name}\x00{labels[name]}" for name in sorted(labels))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _clean(text: str, limit: int, *, lines: bool = False) -> str:
    return without_unwanted(text, lines=lines)[:limit]
