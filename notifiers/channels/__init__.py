"""Channels: deliver a :class:`~notifiers.message.Message` or raise DeliveryError.

The channel classes load on first use, so importing ``notifiers.channels.base``
does not import aiosmtplib and Apprise.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notifiers.channels.apprise import AppriseChannel
    from notifiers.channels.email import EmailChannel
    from notifiers.channels.file import FileChannel

__all__ = ["AppriseChannel", "EmailChannel", "FileChannel"]

_MODULES = {"AppriseChannel": "apprise", "EmailChannel": "email", "FileChannel": "file"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(f"notifiers.channels.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
