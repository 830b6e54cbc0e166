"""Which claimed notices go out together: one message per person per moment.

Planned notices (heads-up, daily status, wrap-up) for the same recipient, channel
and audience, first due in the same minute, share a moment; any other notice
(an incident, a report) always goes alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from notifiers.kinds import PLANNED_KINDS

if TYPE_CHECKING:
    from notifiers.outbox import Claim


def moment_of(claim: Claim) -> tuple[str, str, str, datetime] | None:
    """Claims with the same moment go out as one message: a planned notice's recipient,
    channel, audience and due minute; None for notices that always go alone."""
    if claim.kind not in PLANNED_KINDS:
        return None
    minute = claim.first_due_at.replace(second=0, microsecond=0)
    return (claim.channel, claim.audience, claim.recipient_address, minute)


def by_moment(claims: Sequence[Claim]) -> list[list[Claim]]:
    """The claims in groups that go out as one message each, in the order claimed."""
    groups: dict[object, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(moment_of(claim) or ("alone", claim.id), []).append(claim)
    return list(groups.values())
