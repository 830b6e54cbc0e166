"""One message per person per moment: several planned notices, due to one reader in
the same minute, composed as one message naming each period.

The outbox hands over the claims of one moment (see :mod:`notifiers.outbox`). Parts
whose occurrence is gone are left out (the outbox withdraws them) and the rest are
rendered without them; a single part left goes out as its own notice, with its own
dedupe key. Two or more go out as one message whose dedupe key joins theirs, so the
same parts always make the same message (and the same Message-ID). The merged message
uses shipped templates only: when an uploaded template would render one of the parts,
the parts go out one by one, each in the words its audience chose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from monitor.notices.from_contact import from_contact
from notifiers.message import Message
from notifiers.outbox import Claim

if TYPE_CHECKING:
    from monitor.notices.compose import Composer

PART_LINKS = ("feedback_sorted", "feedback_problem", "feedback_rating")
SHARED_LINKS = ("report_problem", "status_page", "unsubscribe")


def compose_together(
    composer: Composer, claims: Sequence[Claim]
) -> tuple[Message | None, list[Claim]] | None:
    """The message for the claims of one moment and the claims it covers; None when
    they go out one by one."""
    first = claims[0]
    audience = composer.audience(first.audience)
    if audience is None or composer.unsubscribed(first):
        return None, []
    parts = []
    for claim in claims:
        shared = (
            composer.shared_for(claim.kind, claim.occurrence_id) if claim.occurrence_id else None
        )
        if shared is not None:  # else its occurrence was deleted since planning
            parts.append((claim, shared))
    if len(parts) <= 1:
        return (composer.compose(parts[0][0]), [parts[0][0]]) if parts else (None, [])
    if any(
        composer.renderer.has_override(claim.kind, lang=audience.language,
                                       category=shared.period["category"], audience=audience.name)
        for claim, shared in parts
    ):  # fmt: skip
        return None
    unsubscribe = composer.links.unsubscribe(audience.name, first.recipient_address)
    contexts = [composer.context(claim, audience, shared, unsubscribe) for claim, shared in parts]
    context = {key: contexts[0][key] for key in ("reader", "audience", "contact")}
    context["links"] = {name: contexts[0]["links"][name] for name in SHARED_LINKS}
    context["notices"] = _notices([claim for claim, _ in parts], contexts)
    rendered = composer.renderer.render_merged(context, lang=audience.language)
    covered = [claim for claim, _ in parts]
    message = from_contact(
        first, rendered, audience.contact, unsubscribe=unsubscribe, written_at=composer.clock()
    )
    return replace(
        message,
        dedupe_key="+".join(sorted(claim.dedupe_key for claim in covered)),
        kind="+".join(dict.fromkeys(claim.kind for claim in covered)),
    ), covered


def _notices(claims: list[Claim], contexts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each part as its own notice sees it, named so the reader can tell them apart: by
    its kind of period, or by its title when another part has the same kind."""
    labels = Counter(context["period"]["category_label"] for context in contexts)
    notices = []
    for claim, context in zip(claims, contexts, strict=True):
        period = context["period"]
        label = period["category_label"]
        notices.append({
            "kind": claim.kind,
            "name": label if labels[label] == 1 else period["title"],
            **{key: context[key] for key in ("period", "occurrence", "systems", "status")},
            "links": {name: context["links"][name] for name in PART_LINKS},
        })  # fmt: skip
    order = {"wrap_up": 0, "daily_status": 1, "heads_up": 2}  # what happened, then what comes
    return sorted(
        notices, key=lambda notice: (order.get(notice["kind"], 3), notice["occurrence"]["start"])
    )
