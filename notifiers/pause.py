"""Channels paused while their server cannot be reached.

When a send fails because the server is away (refused, dropped, timed out), the
next message would fail the same way: trying each queued delivery in turn would
spend an attempt of every one of them and knock on the server thousands of
times. Instead the channel pauses: the outbox claims nothing for it until the
pause ends, then tries one batch. Each pause that ends in another failure
doubles the next (from :attr:`ChannelPauses.first` up to :attr:`ChannelPauses.most`,
with jitter so replicas do not knock in step); one message through ends it.
Deliveries held back by a pause keep their attempts: they were never tried.

Times are seconds on a steady clock (``time.monotonic()``): a server's outage
runs in real time, whatever time the outbox is told it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Pause:
    failures: int = 0  # pauses in a row that ended in another failure, this one included
    until: float | None = None


@dataclass(slots=True)
class ChannelPauses:
    first: float = 1.0
    most: float = 30.0
    jitter: float = 0.25  # ± this share of the pause
    _pauses: dict[str, _Pause] = field(default_factory=dict)

    def paused(self, now: float) -> set[str]:
        """The channels to leave alone at ``now``."""
        return {
            name
            for name, pause in self._pauses.items()
            if pause.until is not None and pause.until > now
        }

    def ends(self, name: str, now: float) -> float | None:
        """When the pause of channel ``name`` ends, if it is paused at ``now``."""
        pause = self._pauses.get(name)
        if pause is None or pause.until is None or pause.until <= now:
            return None
        return pause.until

    def unreachable(self, name: str, now: float, rng: random.Random | None = None) -> float:
        """Channel ``name`` found its server away: pause it; returns when the pause ends.

        Sends that were already under way fail too: they join the pause under way."""
        pause = self._pauses.setdefault(name, _Pause())
        if pause.until is not None and pause.until > now:
            return pause.until
        pause.failures += 1
        length = min(self.first * 2 ** (pause.failures - 1), self.most)
        pause.until = now + length * (1 + (rng or random).uniform(-self.jitter, self.jitter))
        return pause.until

    def reached(self, name: str) -> None:
        """A message went through channel ``name``: its server is back."""
        self._pauses.pop(name, None)
