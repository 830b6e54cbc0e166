"""Signed links: feedback answers and unsubscribing in notices, and calendar feeds.

A link carries what it is about (the delivery, the answer; the audience and
address) signed with the service's key, so it cannot be forged or edited, and
it expires after half a year.
"""

from __future__ import annotations

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

ANSWERS = ("sorted", "problem", "rating")
MAX_AGE = 183 * 24 * 3600


class BadLink(ValueError):
    """A link that was edited, signed with another key, or too old."""


class Links:
    def __init__(self, secret: str, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        # Built once: a notice carries several signed links, and a fan-out thousands of notices.
        self._serializers = {
            purpose: URLSafeTimedSerializer(secret, salt=f"closewatch-{purpose}")
            for purpose in ("feedback", "unsubscribe")
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

    def _load(self, purpose: str, token: str) -> dict[str, str]:
        try:
            data = self._serializer(purpose).loads(token, max_age=MAX_AGE)
        except BadData:
            raise BadLink("this link is not valid (edited, or too old)") from None
        if not isinstance(data, dict):
            raise BadLink("this link is not valid")
        return data
