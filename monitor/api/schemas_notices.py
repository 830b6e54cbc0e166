"""What the notice routes take and return: audiences, template overrides, previews, the outbox, feedback.

Instants are ISO 8601 in UTC ending in ``Z``. A member's chat address is an
Apprise URL that often carries a webhook's secret, so responses show only its
scheme (``msteams://…``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from monitor.api.schemas import Instant
from monitor.db.models import Audience, Delivery, Feedback, NoticeTemplate
from monitor.fields import LARGEST_ID, STORED, Checked, Language
from monitor.site import AudienceSpec
from notifiers.kinds import PLANNED_KINDS

DELIVERY_STATUSES = ("pending", "sending", "sent", "dead", "withdrawn")
PREVIEW_KINDS = PLANNED_KINDS  # incident notices come from incidents


class MemberOut(BaseModel):
    name: str
    email: str
    chat: str = Field(description="The Apprise URL's scheme only, e.g. msteams://…; empty if none.")


class AudienceOut(BaseModel):
    """An audience as specified, with who manages it and how many members it has."""

    name: str
    label: str
    timezone: str
    language: str
    local_time: str
    quiet_hours: dict[str, str] | None
    working_days: dict[str, Any] | None
    channels: list[str]
    heads_up: dict[str, Any]
    daily_status: bool
    wrap_up: bool
    contact: dict[str, str]
    members: list[MemberOut]
    concerns: dict[str, list[str]]
    managed_by: str
    member_count: int
    updated_at: Instant

    @classmethod
    def of(cls, row: Audience) -> AudienceOut:
        spec = AudienceSpec.model_validate(row.spec, context=STORED).model_dump(mode="json")
        spec["members"] = [
            MemberOut(name=m["name"], email=m["email"], chat=_scheme_only(m["chat"]))
            for m in spec["members"]
        ]
        return cls(
            **spec,
            managed_by=row.managed_by,
            member_count=len(spec["members"]),
            updated_at=row.updated_at,
        )


def _scheme_only(url: str) -> str:
    scheme, found, _rest = url.partition("://")
    return f"{scheme}://…" if found else ("…" if url else "")


class TemplateIn(Checked):
    """A notice's three parts in Jinja2; they render in a sandbox."""

    model_config = ConfigDict(extra="forbid")
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"subject", "text", "html"})

    subject: str = Field(min_length=1, max_length=2_000)
    text: str = Field(min_length=1, max_length=50_000)
    html: str = Field(min_length=1, max_length=200_000)


class TemplateOut(BaseModel):
    audience: str | None = Field(description="Null: for every audience.")
    category: str | None = Field(description="Null: for every category.")
    kind: str
    lang: str
    subject: str
    text: str
    html: str
    updated_at: Instant

    @classmethod
    def of(cls, row: NoticeTemplate) -> TemplateOut:
        return cls.model_validate(row, from_attributes=True)


class PreviewIn(Checked):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description=f"One of {', '.join(PREVIEW_KINDS)}.")
    audience: str = Field(max_length=200)
    occurrence_id: int | None = Field(
        None,
        ge=1,
        le=LARGEST_ID,
        description="Default: the next occurrence not yet ended, one naming the audience first.",
    )
    lang: Language | None = Field(
        None, description="Instead of the audience's language: en, de, fr, de-CH ..."
    )


class FindingOut(BaseModel):
    part: Literal["subject", "text", "html"]
    line: int = Field(description="The line within that part, from 1 (a subject has one).")
    rule: str
    message: str


class PreviewOut(BaseModel):
    occurrence_id: int
    recipient_name: str
    subject: str
    text: str
    html: str
    findings: list[FindingOut]


class DeliveryOut(BaseModel):
    id: int
    dedupe_key: str
    kind: str
    channel: str
    audience: str
    recipient_name: str
    recipient_address: str
    occurrence_id: int | None
    due_at: Instant
    status: str
    attempts: int
    last_error: str
    sent_at: Instant | None

    @classmethod
    def of(cls, row: Delivery) -> DeliveryOut:
        return cls.model_validate(row, from_attributes=True)


class DeliverySummaryOut(BaseModel):
    total: int
    by_status: dict[str, int] = Field(description="Every status, zero when none.")


class FeedbackOut(BaseModel):
    answer: str
    rating: int | None
    comment: str
    at: Instant
    audience: str
    occurrence_id: int | None

    @classmethod
    def of(cls, row: Feedback) -> FeedbackOut:
        return cls.model_validate(row, from_attributes=True)


class FeedbackListOut(BaseModel):
    summary: dict[str, int] = Field(description="How many of each answer.")
    answers: list[FeedbackOut]
