"""A subscription's address and credentials, encrypted at rest.

Everything that could let someone else read the calendar travels as one
:class:`Source`: the address (a Google or Outlook "secret address" is a password
in a URL), request headers (``Authorization: Bearer ...``) and a CalDAV user name
and password. It is stored as one Fernet token (AES-128-CBC with HMAC-SHA256)
under a key derived from the service's secret key with HKDF, so the database
alone, or a backup of it, does not give them away. Nothing here is ever shown
again: the API, the pages and the logs name a subscription by its
:func:`address_hint` only.

Changing the secret key makes stored sources unreadable; the refresh then says
so and the subscription must be made again.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Distinct from any other use of the secret key (signed links), so one never helps with another.
KEY_PURPOSE = b"closewatch subscription sources v1"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a subscribed calendar comes from, and how to get in."""

    url: str
    headers: tuple[tuple[str, str], ...] = ()
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never the address or a header's value, even in a traceback
        return f"Source({address_hint(self.url)!r})"


class SourceUnreadable(Exception):
    """The stored source cannot be decrypted with the current secret key."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(source: Source, secret_key: str) -> bytes:
    """``source`` encrypted under a key derived from ``secret_key``."""
    plain = json.dumps(asdict(source), separators=(",", ":")).encode()
    return _fernet(secret_key).encrypt(plain)


def unseal(token: bytes, secret_key: str) -> Source:
    """The source sealed in ``token``; SourceUnreadable when the key is not the one it was sealed with."""
    try:
        data = json.loads(_fernet(secret_key).decrypt(token))
    except InvalidToken:
        raise SourceUnreadable(
            "its address and credentials cannot be decrypted: the secret key changed "
            "since it was made (CLOSEWATCH_SECRET_KEY); subscribe again"
        ) from None
    headers = tuple((str(name), str(value)) for name, value in data.get("headers") or ())
    return Source(data["url"], headers, data.get("username"), data.get("password"))


def address_hint(url: str) -> str:
    """What may be shown of an address: scheme, host and port; the rest may be a secret."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}/…"
