"""Several connections of one channel, used side by side.

One SMTP connection spends most of its time waiting for the server's replies;
with a few open, messages go out while others wait. Each connection keeps its
own lock and rate limit, so a pool of four with a limit of 2 a second each
sends at most 8 a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from notifiers.channels.base import Channel
from notifiers.message import Message


class ChannelPool:
    def __init__(self, channels: Sequence[Channel]) -> None:
        if not channels:
            raise ValueError("a pool needs at least one channel")
        self.name = channels[0].name
        self.size = len(channels)
        self._channels = list(channels)
        self._free: asyncio.Queue[Channel] | None = None

    async def send(self, message: Message) -> None:
        if self._free is None:  # made in the running loop, on first use
            self._free = asyncio.Queue()
            for channel in self._channels:
                self._free.put_nowait(channel)
        channel = await self._free.get()
        try:
            await channel.send(message)
        finally:
            self._free.put_nowait(channel)

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()
