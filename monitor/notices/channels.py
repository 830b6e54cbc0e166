"""The channels the service delivers through, from its settings."""

from __future__ import annotations

from monitor.settings import Settings
from notifiers.channels.apprise import AppriseChannel
from notifiers.channels.base import Channel
from notifiers.channels.email import EmailChannel
from notifiers.channels.file import FileChannel
from notifiers.channels.pool import ChannelPool


def build_channels(settings: Settings) -> dict[str, Channel]:
    """``email`` over SMTP when a server is configured, else into ``.eml`` files, so a
    new install works without a mail server; ``chat`` through Apprise URLs."""
    files = FileChannel(settings.data_dir / "outbox", sender=settings.smtp_sender)
    email: Channel = files
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        email = ChannelPool([
            EmailChannel(
                settings.smtp_host,
                settings.smtp_port,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=password,
                sender=settings.smtp_sender,
                per_second=settings.smtp_per_second / settings.smtp_connections if settings.smtp_per_second else None,
            )
            for _ in range(settings.smtp_connections)
        ])  # fmt: skip
    return {"email": email, "chat": AppriseChannel(), "file": files}
