"""What every probe shares: the outcome of one check, and the probe signature.

A probe is ``async def probe(spec) -> Outcome`` (bounded by ``spec.timeout``): it connects,
measures and judges, and never raises for a target's failure (a refused
connection, a timeout, a wrong status are outcomes, not exceptions). It does not
know about intensity levels: the runner applies the level's latency budget,
turning a slow ``up`` into ``degraded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    UP = "up"
    DEGRADED = "degraded"  # answering, but not as it should: slow, or a certificate near expiry
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One check's result. ``duration`` is seconds from start to verdict;
    ``message`` says in a few words what was wrong (empty when up)."""

    status: Status
    duration: float
    message: str = ""

    def within_budget(self, budget: float | None) -> Outcome:
        """A slow ``up`` is ``degraded`` when a latency budget applies."""
        if self.status is Status.UP and budget is not None and self.duration > budget:
            return Outcome(
                Status.DEGRADED,
                self.duration,
                f"slow: {self.duration:.2f} s, budget {budget:.2f} s",
            )
        return self
