"""An incident, an update or the resolution, for one reader, as the composer renders it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import Incident, System
from monitor.notices.from_contact import from_contact
from monitor.notices.readings import work_behind
from monitor.notices.shared import Shared
from monitor.notices.wording import in_reader_words
from notifiers.categories import work_of
from notifiers.message import Message
from notifiers.outbox import Claim

if TYPE_CHECKING:  # the composer dispatches to these functions
    from monitor.notices.compose import Composer


def incident_message(composer: Composer, claim: Claim) -> Message | None:
    """An incident, an update or the resolution, for one reader."""
    audience = composer.audience(claim.audience)
    if audience is None or claim.incident_id is None or composer.unsubscribed(claim):
        return None
    with session_scope(composer.engine) as session:
        found = session.execute(
            select(Incident, col(System.name), col(System.plain_name), col(System.plain_names))
            .join(System, col(System.id) == col(Incident.system_id)).where(col(Incident.id) == claim.incident_id)
        ).first()  # fmt: skip
        if found is None:
            return None
        works = work_behind(session, found[1], found[0].opened_at)
    incident, system, plain_name, plain_names = found
    if claim.kind != "resolved" and (
        incident.resolved_at is not None or incident.next_update_at is None
    ):
        return None  # fixed meanwhile: a promise of news would mislead; the resolved notice follows
    shared = Shared(
        period={"title": incident.public_line, "category": "custom", "level": incident.level},
        occurrence={
            "start": incident.opened_at,
            "end": incident.next_update_at or incident.opened_at,
        },
        systems=[{"name": system, "plain_name": plain_name, "plain_names": plain_names}],
        status={},
    )
    unsubscribe = composer.links.unsubscribe(audience.name, claim.recipient_address)
    context = composer.context(claim, audience, shared, unsubscribe)
    language, here = audience.language, context["systems"][0]["plain_name"]

    def words(text: str) -> str:  # closewatch's own English defaults, in the reader's words
        return in_reader_words(text, language, system=plain_name, system_here=here)

    line = words(incident.public_line)
    context["incident"] = {
        "title": line, "what_happened": line, "affected": work_of(works, language, system=here),
        "handler": {"name": incident.handler or audience.contact.name},
        "next_update": incident.next_update_at or incident.opened_at,
        "summary": words(incident.summary), "what_you_can_do": words(incident.what_you_can_do),
    }  # fmt: skip
    if claim.kind != "resolved":
        context["links"].update(feedback_sorted="", feedback_problem="", feedback_rating="")
    rendered = composer.renderer.render(
        claim.kind, context, lang=audience.language, audience=audience.name
    )
    return from_contact(
        claim, rendered, audience.contact, unsubscribe=unsubscribe, written_at=composer.clock()
    )
