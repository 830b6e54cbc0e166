"""Which addresses a subscription may fetch from.

A subscription makes the server fetch an address an editor typed, again and
again: without a rule, that is a way to make closewatch reach what only it can
reach (a cloud's metadata service at 169.254.169.254, the database port on
localhost, an admin page on the intranet). The rule:

- Schemes ``http`` and ``https`` only; ``webcal`` is fetched as ``https``.
  A user name or password in the address is refused: they go in their own
  fields, which are stored encrypted.
- Every address the host name resolves to must be public (globally routable),
  unless it lies in a network named in ``CLOSEWATCH_SUBSCRIPTION_NETWORKS``
  (an intranet Nextcloud, DavMail on localhost). Loopback, private, link-local,
  multicast and reserved addresses are refused otherwise.
- For ``.ics`` addresses the check is made on the address the connection is
  really opened to (:class:`GuardedBackend`), so a name that resolves
  differently the second time (DNS rebinding) gains nothing, and it is made
  again for every redirect. A CalDAV server is checked when its name is
  resolved before the session starts.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2000


class AddressRefused(ValueError):
    """An address a subscription may not use, with the reason."""


def subscription_url(url: str) -> str:
    """``url`` as it is fetched (``webcal`` as ``https``); AddressRefused saying why not."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"an address is at most {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise AddressRefused("an address contains no spaces or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "webcal":
        scheme = "https"
    if scheme not in ("http", "https"):
        raise AddressRefused(
            f"only http, https and webcal addresses can be subscribed to, not {parts.scheme or 'this'!r}"
        )
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(
            "put the user name and password in their own fields, not in the address"
        )
    if not parts.hostname:
        raise AddressRefused("the address names no host")
    try:
        parts.port  # noqa: B018 (it raises for a port out of range)
    except ValueError:
        raise AddressRefused("the address's port is not a number from 1 to 65535") from None
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """``"10.0.0.0/8, 127.0.0.1"`` → networks; ValueError naming the one that is not."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP network (e.g. 10.0.0.0/8)") from None
    return tuple(networks)


class AddressPolicy:
    """Public addresses, and those in the allowed networks."""

    def __init__(self, allowed: Iterable[IPNetwork] = ()) -> None:
        self.allowed = tuple(allowed)

    def check(self, host: str, address: str) -> None:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.allowed):
            return
        if ip.is_global and not ip.is_multicast:
            return
        raise AddressRefused(
            f"{host} is at {ip}, not a public address ({_kind(ip)}); subscriptions reach public "
            "addresses only, unless CLOSEWATCH_SUBSCRIPTION_NETWORKS names its network"
        )

    def resolve(self, host: str, port: int) -> str:
        """The first address of ``host``, once every address it has passed :meth:`check`."""
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} cannot be resolved ({exc})") from None
        addresses = [str(entry[4][0]) for entry in found]
        for address in addresses:
            self.check(host, address)
        return addresses[0]


def _kind(ip: IPAddress) -> str:
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return "non-public"


class GuardedBackend(httpcore.SyncBackend):
    """Opens a connection only to an address the policy allows, the one it checked."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        address = self.policy.resolve(host, port)
        return super().connect_tcp(address, port, timeout, local_address, socket_options)
