"""Signed links: feedback answers and unsubscribing in notices, confirming a
subscription, and calendar feeds.

A link carries what it is about (the delivery, the answer; the audience and
address) signed with the service's key, so it cannot be forged or edited, and
it expires after half a year; a link that confirms a subscription, after
:data:`CONFIRM_MAX_AGE`.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

ANSWERS = ("sorted", "problem", "rating")
MAX_AGE = 183 * 24 * 3600
CONFIRM_MAX_AGE = 48 * 3600  # a request for notices not confirmed by then is void


class BadLink(ValueError):
    """A link that was edited, signed with another key, or too old."""


class Links:
    def __init__(self, secret: str, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        # Built once: a notice carries several signed links, and a fan-out thousands of notices.
        self._serializers = {
            purpose: URLSafeTimedSerializer(secret, salt=f"closewatch-{purpose}")
            for purpose in ("feedback", "unsubscribe", "confirm")
        }
        self._feed = URLSafeSerializer(secret, salt="closewatch-feed")

    def feed_signature(self, audience: str) -> str:
        """The ``sig`` of an audience's calendar feed link. Calendar apps poll a feed for
        years, so unlike the links in notices it does not expire."""
        return str(self._feed.dumps(audience))

    def feed_signed(self, audience: str, sig: str) -> bool:
        try:
            return bool(self._feed.loads(sig) == audience)
        except BadData:
            return False

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return self._serializers[purpose]

    def feedback(self, dedupe_key: str, answer: str) -> str:
        token = self._serializer("feedback").dumps({"k": dedupe_key, "a": answer})
        return f"{self.base_url}/feedback/{token}"

    def unsubscribe(self, audience: str, address: str) -> str:
        token = self._serializer("unsubscribe").dumps({"u": audience, "r": address})
        return f"{self.base_url}/unsubscribe/{token}"

    def confirm(self, request_id: int, address: str) -> str:
        """The link that confirms subscription request ``request_id`` for ``address``."""
        token = self._serializer("confirm").dumps({"q": request_id, "r": address})
        return f"{self.base_url}/subscribe/confirm/{token}"

    def read_confirm(self, token: str) -> tuple[int, str]:
        data = self._load("confirm", token, max_age=CONFIRM_MAX_AGE)
        request_id, address = data.get("q"), data.get("r")
        if not isinstance(request_id, int) or not isinstance(address, str):
            raise BadLink("not a confirmation link")
        return request_id, address

    def read_feedback(self, token: str) -> tuple[str, str]:
        data = self._load("feedback", token)
        if data.get("a") not in ANSWERS or not isinstance(data.get("k"), str):
            raise BadLink("not a feedback link")
        return data["k"], data["a"]

    def read_unsubscribe(self, token: str) -> tuple[str, str]:
        data = self._load("unsubscribe", token)
        if not isinstance(data.get("u"), str) or not isinstance(data.get("r"), str):
            raise BadLink("not an unsubscribe link")
        return data["u"], data["r"]

    def _load(self, purpose: str, token: str, max_age: int = MAX_AGE) -> dict[str, Any]:
        try:
            data = self._serializer(purpose).loads(token, max_age=max_age)
        except BadData:
            raise BadLink("this link is not valid (edited, or too old)") from None
        if not isinstance(data, dict):
            raise BadLink("this link is not valid")
        return data
