"""Turning a claimed delivery into a message, at the moment it is sent.

Rendering late means a daily status or a wrap-up says how things actually
went, and a heads-up carries the occurrence's current dates. What a whole
batch shares (the occurrence, its systems, how they did) is read once per
occurrence and kept for a minute, so a fan-out to thousands of recipients
costs one set of queries, not thousands.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from monitor.alerts.details import ALERT_DETAILS, details_message
from monitor.clock import Clock, system_clock
from monitor.db.engine import session_scope
from monitor.db.models import ProblemReport, Unsubscribe
from monitor.jobs import WorkersBusy
from monitor.maintenance.announce import maintenance_message
from monitor.notices.contact_messages import alert_message, overdue_message
from monitor.notices.from_contact import from_contact
from monitor.notices.incident_notice import incident_message
from monitor.notices.period_report import period_report_message
from monitor.notices.plan import PERIOD_REPORT
from monitor.notices.readings import name_in, status_in
from monitor.notices.report import REPORT, report_message
from monitor.notices.shared import Shared, read_shared
from monitor.notices.together import compose_together
from monitor.settings import Settings
from monitor.site import AudienceSpec, Subscribers
from monitor.store.audiences import find_audience
from monitor.subscribers.confirmation import confirmation_message
from notifiers.channels.base import DeliveryError
from notifiers.kinds import INCIDENT_KINDS, MAINTENANCE, SUBSCRIBE
from notifiers.links import Links
from notifiers.message import Message
from notifiers.outbox import Claim, StorageUnavailable
from notifiers.render import CATEGORY_LABELS, NoticeRenderer

SHARED_FOR_SECONDS = 60.0
# What occurrences' notices share, kept for this many occurrences (and kinds) at most, the
# newest: a fan-out needs one; one kept for each occurrence ever told would never stop growing.
SHARED_KEPT = 256
ALERT = "alert"  # "still a problem" sent on to an audience's IT contact
OVERDUE = "overdue"  # a promised update came due with nothing posted: told to the IT contact


class Composer:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        renderer: NoticeRenderer,
        *,
        clock: Clock = system_clock,
        preview: bool = False,
        subscribers: Subscribers | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.renderer = renderer
        # A preview shows links of the real shape, signed with a throwaway key: whoever
        # sees a preview must not be able to unsubscribe or answer for the member shown.
        key = secrets.token_urlsafe(32) if preview else settings.signing_key()
        self.links = Links(key, settings.public_url)
        self.public_url = settings.public_url.rstrip("/")
        self.timezone = settings.timezone
        self.clock = clock
        # Who signs the "please confirm" to people who ask for notices on the status page.
        self.subscribers = subscribers
        self._shared: dict[tuple[str, int], tuple[float, Shared | None]] = {}  # oldest first
        self._shared_lock = threading.Lock()  # composing runs in the event loop and in threads
        self._audiences: dict[str, tuple[float, AudienceSpec | None]] = {}
        self._unsubscribes: dict[str, tuple[float, frozenset[str]]] = {}
        # Kinds that are not notices about an occurrence, each with its own composer.
        self._by_kind: dict[str, Callable[[Claim], Message | None]] = {
            REPORT: self._report, ALERT: lambda claim: alert_message(self, claim),
            OVERDUE: lambda claim: overdue_message(self, claim),
            ALERT_DETAILS: self._alert_details, SUBSCRIBE: self._confirmation,
            PERIOD_REPORT: lambda claim: period_report_message(self, claim),
            MAINTENANCE: lambda claim: maintenance_message(self, claim),
            **dict.fromkeys(INCIDENT_KINDS, lambda claim: incident_message(self, claim)),
        }  # fmt: skip

    async def __call__(self, claim: Claim) -> Message | None:
        # With what the batch shares already read, composing is pure work: do it here rather
        # than pay two thread hand-offs per message; the first of a batch reads in a thread.
        # An uploaded template renders in a worker process: waiting for it is no work for here.
        try:
            if self._warm(claim) and not self.renderer.has_overrides:
                return self.compose(claim)
            return await asyncio.to_thread(self.compose, claim)
        except WorkersBusy as exc:
            raise DeliveryError(f"no worker was free to render the template ({exc})") from None
        except DBAPIError as exc:  # the database is away for a moment: not the message's fault
            raise StorageUnavailable(str(exc.orig or exc)) from exc

    async def together(
        self, claims: Sequence[Claim]
    ) -> tuple[Message | None, Sequence[Claim]] | None:
        """Several planned notices due to one reader at one moment, as one message."""
        try:
            return await asyncio.to_thread(compose_together, self, claims)
        except WorkersBusy as exc:
            raise DeliveryError(f"no worker was free to render the template ({exc})") from None
        except DBAPIError as exc:  # the database is away for a moment: not the message's fault
            raise StorageUnavailable(str(exc.orig or exc)) from exc

    def _warm(self, claim: Claim) -> bool:
        fresh = time.monotonic() - SHARED_FOR_SECONDS
        cached = (
            self._audiences.get(claim.audience),
            self._unsubscribes.get(claim.audience),
            self._shared.get((claim.kind, claim.occurrence_id or 0)),
        )
        return claim.kind not in self._by_kind and all(
            entry is not None and entry[0] > fresh for entry in cached
        )

    def forget(self) -> None:
        """Read audiences and who left them afresh: they changed. Safe from any thread."""
        self._audiences.clear()
        self._unsubscribes.clear()

    def compose(self, claim: Claim) -> Message | None:
        """The message for ``claim``, or None when it should not go out any more."""
        special = self._by_kind.get(claim.kind)
        if special is not None:
            return special(claim)
        audience = self.audience(claim.audience)
        if audience is None or claim.occurrence_id is None or self.unsubscribed(claim):
            return None
        shared = self.shared_for(claim.kind, claim.occurrence_id)
        if shared is None:  # the occurrence was deleted since planning
            return None
        unsubscribe = self.links.unsubscribe(audience.name, claim.recipient_address)
        context = self.context(claim, audience, shared, unsubscribe)
        rendered = self.renderer.render(
            claim.kind,
            context,
            lang=audience.language,
            category=shared.period["category"],
            audience=audience.name,
        )
        return from_contact(
            claim, rendered, audience.contact, unsubscribe=unsubscribe, written_at=self.clock()
        )

    def context(
        self, claim: Claim, audience: AudienceSpec, shared: Shared, unsubscribe: str
    ) -> dict[str, Any]:
        language = audience.language.split("_")[0]
        period = dict(shared.period)
        period["category_label"] = CATEGORY_LABELS.get(language, CATEGORY_LABELS["en"]).get(
            period["category"], period["title"]
        )
        occurrence = {**shared.occurrence, "started": self.clock() >= shared.occurrence["start"]}
        return {
            "reader": {
                "name": claim.recipient_name,
                "language": audience.language,
                "timezone": audience.timezone,
            },
            "audience": {"name": audience.name},
            "contact": audience.contact.model_dump(),
            "period": period,
            "occurrence": occurrence,
            "systems": [
                {"name": system["name"], "plain_name": name_in(system, audience.language)}
                for system in shared.systems
            ],
            "status": status_in(shared.status, audience.language),
            "links": {
                "feedback_sorted": self.links.feedback(claim.dedupe_key, "sorted"),
                "feedback_problem": self.links.feedback(claim.dedupe_key, "problem"),
                "feedback_rating": self.links.feedback(claim.dedupe_key, "rating"),
                "unsubscribe": unsubscribe,
                "report_problem": f"{self.public_url}/report",
                "status_page": f"{self.public_url}/status",
            },
        }

    def _alert_details(self, claim: Claim) -> Message | None:
        """What other monitoring said about an incident, for an IT contact."""
        return details_message(self.engine, claim.incident_id, dedupe_key=claim.dedupe_key,
                               recipient_name=claim.recipient_name,
                               recipient_address=claim.recipient_address, written_at=self.clock())  # fmt: skip

    def _confirmation(self, claim: Claim) -> Message | None:
        """ "Please confirm" to a person who asked for notices on the status page."""
        return confirmation_message(
            claim, engine=self.engine, renderer=self.renderer, links=self.links,
            settings=self.subscribers, timezone=self.timezone, now=self.clock(),
        )  # fmt: skip

    def _report(self, claim: Claim) -> Message | None:
        """A user's problem report, for the helpdesk."""
        report_id = int(claim.dedupe_key.rsplit("/", 1)[-1])
        with session_scope(self.engine) as session:
            report = session.get(ProblemReport, report_id)
            if report is None:
                return None
            session.expunge(report)
        return report_message(
            report, claim.recipient_address, dedupe_key=claim.dedupe_key, written_at=self.clock()
        )

    def audience(self, name: str) -> AudienceSpec | None:
        cached = self._audiences.get(name)
        if cached is None or time.monotonic() - cached[0] > SHARED_FOR_SECONDS:
            with session_scope(self.engine) as session:
                cached = (time.monotonic(), find_audience(session, name))
            self._audiences[name] = cached
        return cached[1]

    def unsubscribed(self, claim: Claim) -> bool:
        """Whether the recipient left the audience; the audience's list is read once a minute."""
        cached = self._unsubscribes.get(claim.audience)
        if cached is None or time.monotonic() - cached[0] > SHARED_FOR_SECONDS:
            with session_scope(self.engine) as session:
                addresses = frozenset(session.execute(
                    select(col(Unsubscribe.recipient_address)).where(col(Unsubscribe.audience) == claim.audience)
                ).scalars())  # fmt: skip
            cached = (time.monotonic(), addresses)
            self._unsubscribes[claim.audience] = cached
        return claim.recipient_address in cached[1]

    def shared_for(self, kind: str, occurrence_id: int) -> Shared | None:
        key = (kind, occurrence_id)
        cached = self._shared.get(key)
        if cached is None or time.monotonic() - cached[0] > SHARED_FOR_SECONDS:
            cached = (time.monotonic(), read_shared(self.engine, occurrence_id, self.clock()))
            with self._shared_lock:
                self._shared.pop(key, None)  # in again at the end, as the newest
                self._shared[key] = cached
                while len(self._shared) > SHARED_KEPT:
                    del self._shared[next(iter(self._shared))]
        return cached[1]
