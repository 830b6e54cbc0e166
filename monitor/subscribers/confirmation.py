"""The ``subscribe`` notice: "please confirm", the one message sent before confirmation.

Rendered when it is sent, like every notice, from the request it answers: the
systems by their plain names, in the language the person chose, signed by the
site file's ``subscribers.contact``, with a link that confirms. It carries no
unsubscribe link: ignoring it is how one says no, and nothing more follows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import col

from monitor.db.engine import session_scope
from monitor.db.models import SubscriberRequest, System
from monitor.notices.from_contact import from_contact
from monitor.site import Subscribers
from monitor.subscribers.store import CONFIRM_WITHIN
from notifiers.links import Links
from notifiers.message import Message
from notifiers.outbox import Claim
from notifiers.render import NoticeRenderer


def confirmation_message(
    claim: Claim,
    *,
    engine: Engine,
    renderer: NoticeRenderer,
    links: Links,
    settings: Subscribers | None,
    timezone: str,
    now: datetime,
) -> Message | None:
    """The message for ``claim``; None when it should not go out (the request is gone or void)."""
    if settings is None:
        return None
    request_id = int(claim.dedupe_key.rsplit("/", 1)[-1])
    with session_scope(engine) as session:
        request = session.get(SubscriberRequest, request_id)
        if request is None or now - request.at > CONFIRM_WITHIN:
            return None
        plain: dict[str, str] = dict(session.execute(
            select(col(System.name), col(System.plain_name)).where(col(System.name).in_(request.systems))
        ).all())  # fmt: skip
        language, systems, asked_at = request.language, list(request.systems), request.at
    context = {
        "reader": {"name": claim.recipient_name, "language": language, "timezone": timezone},
        "audience": {"name": "subscribers"},
        "contact": settings.contact.model_dump(),
        "systems": [{"name": name, "plain_name": plain.get(name, name)} for name in systems],
        "subscription": {"expires": asked_at + CONFIRM_WITHIN},
        "links": {
            "confirm": links.confirm(request_id, claim.recipient_address),
            "status_page": f"{links.base_url}/status",
            **dict.fromkeys(
                (
                    "feedback_sorted",
                    "feedback_problem",
                    "feedback_rating",
                    "unsubscribe",
                    "report_problem",
                ),
                "",
            ),
        },
    }
    rendered = renderer.render(claim.kind, context, lang=language)
    return from_contact(claim, rendered, settings.contact, written_at=now)
