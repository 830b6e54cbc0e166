"""The default channel: each message becomes an ``.eml`` file, so a new install needs no mail server.

The file is named after the dedupe key, as the Message-ID is, and written
atomically (a temporary file in the same directory, then ``os.replace``): a
message sent twice leaves one whole file, never a torn one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

from notifiers.channels.base import DeliveryError
from notifiers.message import Message
from notifiers.mime import dedupe_digest, email_bytes


class FileChannel:
    name = "file"

    def __init__(self, directory: Path, *, sender: str = "closewatch@localhost") -> None:
        self.directory = Path(directory)
        self.sender = sender

    def path_for(self, message: Message) -> Path:
        return self.directory / f"{dedupe_digest(message.dedupe_key)}.eml"

    async def send(self, message: Message) -> None:
        data = email_bytes(message, sender=self.sender)
        try:
            await asyncio.to_thread(_write_atomically, self.path_for(message), data)
        except OSError as exc:
            # A full disk or a missing permission may be fixed: try again later.
            raise DeliveryError(f"could not write {self.path_for(message)}: {exc}") from exc

    async def close(self) -> None:
        """Nothing to release."""


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
