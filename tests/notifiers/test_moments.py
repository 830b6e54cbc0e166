"""Which claimed notices go out together: one message per person per moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifiers.moments import by_moment
from notifiers.outbox import Claim

NINE = datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def claim(id_: int, kind: str = "heads_up", *, to: str = "anna@example.com",
          audience: str = "finance", due: datetime = NINE) -> Claim:  # fmt: skip
    return Claim(id_, f"{kind}/{id_}/{audience}/email/{to}", kind, "email", audience, "Anna",
                 to, id_, None, 1, due)  # fmt: skip


def test_planned_notices_for_one_person_in_one_minute_go_together() -> None:
    groups = by_moment([
        claim(1), claim(2, "wrap_up", due=NINE + timedelta(seconds=40)),  # the same minute
        claim(3, to="ben@example.com"),  # someone else
        claim(4, due=NINE + timedelta(minutes=1)),  # a minute later
        claim(5, audience="warehouse"),  # another group, signed by another contact
        claim(6, "incident"), claim(7, "incident"),  # incidents always go alone
    ])  # fmt: skip

    assert [[c.id for c in group] for group in groups] == [[1, 2], [3], [4], [5], [6], [7]]
