"""Exponential backoff with jitter for retries and reconnects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """Delays ``base·2^attempt`` capped at ``cap``, with "equal jitter" (half fixed, half random) so that
    many clients never retry in lockstep. ``rng`` is injectable for deterministic tests."""

    base_s: float = 0.2
    cap_s: float = 10.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        """The delay before retry number ``attempt`` (0-based)."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempt, 30)))
        return float(ceiling / 2 + self.rng.random() * ceiling / 2)
