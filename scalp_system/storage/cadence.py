"""The writer's adaptive flush cadence: how long to wait before the next batch (SPEC §2: 50 ms – 2 s).

The rule, applied after every flush with ``depth`` = rows that were waiting when the batch was taken
and ``latency`` = the EWMA of commit latency:

1. Backlog (``depth ≥ target_batch_rows``): next interval = ``min_ms`` — drain now.
2. Busy (``depth ≥ target_batch_rows / 4``): halve the interval — batches are getting big.
3. Light (fewer rows): grow the interval by ×1.5 — fewer, larger commits, fewer fsyncs.
4. Unless in backlog, never below ``latency / duty`` (duty 0.2: the writer spends at most about a
   fifth of its time committing, so a slow disk gets larger, rarer batches instead of a busy loop).
5. Clamp to ``[min_ms, max_ms]``.

At a steady arrival rate the interval settles where a batch holds roughly ``target/8 … target/4``
rows; an idle writer drifts to ``max_ms``; a burst drops it to ``min_ms`` within one flush.
Pure and deterministic, so tests drive it directly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CadencePolicy:
    """Bounds and knobs of the adaptive cadence (see the module docstring for the rule)."""

    min_ms: float = 50.0
    max_ms: float = 2_000.0
    target_batch_rows: int = 2_000
    duty: float = 0.2
    grow: float = 1.5
    latency_alpha: float = 0.3

    def __post_init__(self) -> None:
        if not 0 < self.min_ms <= self.max_ms:
            raise ValueError(
                f"cadence bounds must satisfy 0 < min_ms <= max_ms, got {self.min_ms}, {self.max_ms}"
            )
        if self.target_batch_rows < 1 or not 0 < self.duty <= 1 or self.grow <= 1:
            raise ValueError("cadence needs target_batch_rows >= 1, 0 < duty <= 1 and grow > 1")

    def next_interval_ms(self, previous_ms: float, depth: int, latency_ms: float) -> float:
        """The interval before the next flush."""
        if depth >= self.target_batch_rows:
            return self.min_ms
        interval = previous_ms / 2 if depth >= self.target_batch_rows / 4 else previous_ms * self.grow
        interval = max(interval, latency_ms / self.duty)
        return min(self.max_ms, max(self.min_ms, interval))

    def smooth_latency_ms(self, previous_ms: float, sample_ms: float) -> float:
        """EWMA of commit latency (the first sample replaces a zero start)."""
        if previous_ms <= 0:
            return sample_ms
        return previous_ms + self.latency_alpha * (sample_ms - previous_ms)
