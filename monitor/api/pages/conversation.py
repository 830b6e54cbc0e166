"""An incident's conversation as the incidents page shows it: what was sent to whom and
when, the updates, each promise of a next update and how it was kept, and the readers'
answers, in order; and the countdown to the next promised update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from monitor.db.models import Delivery, Feedback, Incident, IncidentEvent, System

# An event that answers the promise made before it, and how it counts.
KEEPS = {"update": "kept: IT posted an update", "auto_update": "kept automatically: nothing new, said so",
         "resolved": "kept: resolved"}  # fmt: skip
EVENT_WORDS = {
    "opened": "Checks failed past the threshold: incident opened",
    "announced": "Incident announced",
    "grouped": "Not told again",
    "update": "Update posted",
    "auto_update": "No news by the promised time: “still working on it” sent",
    "resolved": "Resolved",
    "recovered": "Checks see it working again",
    "closed": "Closed",
    "confirmed": "Confirmed",
    "still_a_problem": "A reader says it is still a problem",
}
ANSWERS = {
    "sorted": "says it works again",
    "problem": "says it is still a problem",
    "rating": "rated it",
}


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    what: str
    detail: str = ""
    promised: datetime | None = None  # when this entry promised the next update by
    kept: str = ""  # and how that promise went


@dataclass(slots=True)
class IncidentView:
    incident: Incident
    system: str
    plain_name: str
    entries: list[Entry] = field(default_factory=list)
    told: int = 0  # deliveries that went out (or are going)

    @property
    def id(self) -> int:
        return self.incident.id or 0


def countdown(deadline: datetime | None, now: datetime) -> tuple[str, bool]:
    """``in 12 min 5 s`` or ``4 min overdue``, and whether it is overdue."""
    if deadline is None:
        return "no update promised", False
    seconds = int((deadline - now).total_seconds())
    late = seconds < 0
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        span = f"{hours} h {minutes} min"
    elif minutes:
        span = f"{minutes} min {secs} s"
    else:
        span = f"{secs} s"
    return (f"{span} overdue", True) if late else (f"in {span}", False)


def incident_views(
    session: Any, incidents: Sequence[Incident], *, now: datetime
) -> list[IncidentView]:
    """Each incident with its conversation, in three queries for all of them."""
    ids = [i.id for i in incidents]
    names = dict(session.execute(select(col(System.id), col(System.name))).all())
    plain = dict(session.execute(select(col(System.id), col(System.plain_name))).all())
    views = {
        i.id: IncidentView(i, names.get(i.system_id, ""), plain.get(i.system_id, ""))
        for i in incidents
    }
    if not ids:
        return []
    events = session.execute(
        select(IncidentEvent).where(col(IncidentEvent.incident_id).in_(ids))
        .order_by(col(IncidentEvent.at), col(IncidentEvent.id))
    ).scalars().all()  # fmt: skip
    by_incident: dict[int, list[IncidentEvent]] = {}
    for event in events:
        by_incident.setdefault(event.incident_id, []).append(event)
    for incident_id, found in by_incident.items():
        views[incident_id].entries += _event_entries(found, now)
    sent = session.execute(
        select(Delivery).where(col(Delivery.incident_id).in_(ids)).order_by(col(Delivery.created_at))
    ).scalars().all()  # fmt: skip
    for delivery in sent:
        view = views[delivery.incident_id]
        if delivery.status != "withdrawn":
            view.told += 1
        to = delivery.recipient_name or delivery.recipient_address
        view.entries.append(Entry(delivery.sent_at or delivery.created_at, f"{_kind(delivery.kind)} to {to}",
                                  f"{delivery.audience}, {delivery.channel}: {delivery.status}"
                                  + (f" ({delivery.last_error})" if delivery.last_error else "")))  # fmt: skip
    answers = session.execute(
        select(Feedback).where(col(Feedback.incident_id).in_(ids)).order_by(col(Feedback.at))
    ).scalars().all()  # fmt: skip
    for answer in answers:
        words = ANSWERS.get(answer.answer, answer.answer)
        if answer.rating:
            words += f" {answer.rating} of 5"
        views[answer.incident_id].entries.append(
            Entry(answer.at, f"{answer.recipient_address} {words}", answer.comment)
        )
    for view in views.values():
        view.entries.sort(key=lambda entry: entry.at)
    return [views[i] for i in ids]


def _event_entries(events: list[IncidentEvent], now: datetime) -> list[Entry]:
    entries = []
    for position, event in enumerate(events):
        promised = event.data.get("next_update") if isinstance(event.data, dict) else None
        if isinstance(promised, str):
            due = datetime.fromisoformat(promised)
            answer = next((e for e in events[position + 1 :] if e.kind in KEEPS), None)
            if answer is not None:
                kept = KEEPS[answer.kind] + (" (late)" if answer.at > due else "")
            else:
                kept = "not yet due" if due > now else "overdue"
            entries.append(
                Entry(event.at, EVENT_WORDS.get(event.kind, event.kind), event.message, due, kept)
            )
            continue
        entries.append(Entry(event.at, EVENT_WORDS.get(event.kind, event.kind), event.message))
    return entries


def _kind(kind: str) -> str:
    return {"incident": "Incident notice", "update": "Update", "resolved": "Resolution",
            "overdue": "Reminder that an update was due", "alert": "“Still a problem”"}.get(kind, kind)  # fmt: skip
