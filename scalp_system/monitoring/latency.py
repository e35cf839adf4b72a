"""Latency per pipeline stage in log-bucketed histograms of constant memory (SPEC §4).

Stages: receive → book update → features → model → risk → order sent → ack. Each stage keeps one
histogram for the whole run and a ring of one-second histograms covering the last ``window_s``
seconds, from which p50/p90/p99/max per second and over the window are read. Buckets are
logarithmic with 16 sub-buckets per power of two (≤ 4.4 % relative error); memory never grows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from scalp_system.core.clock import NS_PER_S

SUB_BUCKETS = 16
MAX_POWER = 40  # 2^40 ns ≈ 18 minutes: anything slower lands in the top bucket
N_BUCKETS = MAX_POWER * SUB_BUCKETS


class Stage(StrEnum):
    """Pipeline stages timed by the orchestrator."""

    RECEIVE = "receive"
    BOOK_UPDATE = "book_update"
    FEATURES = "features"
    MODEL = "model"
    RISK = "risk"
    ORDER_SENT = "order_sent"
    ACK = "ack"
    DECISION = "decision"  # book received → decision made (the latency breaker's input)


def bucket_of(value_ns: int) -> int:
    """Index of the bucket holding ``value_ns``."""
    if value_ns < 1:
        return 0
    index = int(math.log2(value_ns) * SUB_BUCKETS)
    return min(index, N_BUCKETS - 1)


_UPPER = np.array([2.0 ** ((i + 1) / SUB_BUCKETS) for i in range(N_BUCKETS)])


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Quantiles in nanoseconds (bucket upper bounds; ``max`` exact)."""

    count: int
    p50_ns: float
    p90_ns: float
    p99_ns: float
    max_ns: int

    def as_us(self) -> dict[str, float]:
        """The quantiles in microseconds, rounded for display and summaries."""
        return {
            "p50": round(self.p50_ns / 1e3, 2),
            "p90": round(self.p90_ns / 1e3, 2),
            "p99": round(self.p99_ns / 1e3, 2),
            "max": round(self.max_ns / 1e3, 2),
            "count": self.count,
        }


class Histogram:
    """A fixed-size log-bucketed histogram."""

    __slots__ = ("counts", "max_ns", "total")

    def __init__(self) -> None:
        self.counts: npt.NDArray[np.int64] = np.zeros(N_BUCKETS, dtype=np.int64)
        self.total = 0
        self.max_ns = 0

    def add(self, value_ns: int) -> None:
        """Record one observation."""
        self.counts[bucket_of(value_ns)] += 1
        self.total += 1
        if value_ns > self.max_ns:
            self.max_ns = value_ns

    def clear(self) -> None:
        """Forget everything."""
        self.counts[:] = 0
        self.total = 0
        self.max_ns = 0

    def merge(self, other: Histogram) -> None:
        """Add another histogram's observations."""
        self.counts += other.counts
        self.total += other.total
        self.max_ns = max(self.max_ns, other.max_ns)

    def stats(self) -> LatencyStats:
        """Quantiles of what was recorded (zeros when empty)."""
        if self.total == 0:
            return LatencyStats(0, 0.0, 0.0, 0.0, 0)
        cumulative = np.cumsum(self.counts)
        values = []
        for quantile in (0.5, 0.9, 0.99):
            index = int(np.searchsorted(cumulative, math.ceil(quantile * self.total)))
            values.append(min(float(_UPPER[index]), float(self.max_ns)))
        return LatencyStats(self.total, values[0], values[1], values[2], self.max_ns)


class _StageWindow:
    """A ring of one-second histograms plus the run total for one stage.

    Observations are first appended to two plain lists (the hot path pays a list append) and folded
    into the histograms in one vectorised step before any read, or once ``FOLD_EVERY`` are waiting."""

    def __init__(self, window_s: int) -> None:
        self.run = Histogram()
        self.seconds = [Histogram() for _ in range(window_s)]
        self.second_of = [-1] * window_s
        self.pending_ns: list[int] = []
        self.pending_second: list[int] = []

    def slot(self, second: int) -> Histogram:
        index = second % len(self.seconds)
        if self.second_of[index] != second:
            self.seconds[index].clear()
            self.second_of[index] = second
        return self.seconds[index]

    def fold(self) -> None:
        """Move the waiting observations into the histograms (the same counts as one by one)."""
        if not self.pending_ns:
            return
        values = np.asarray(self.pending_ns, dtype=np.int64)
        seconds = np.asarray(self.pending_second, dtype=np.int64)
        self.pending_ns, self.pending_second = [], []
        buckets = _buckets_of(values)
        _add(self.run, buckets, values)
        starts = np.flatnonzero(np.concatenate(([True], seconds[1:] != seconds[:-1])))
        ends = np.append(starts[1:], len(seconds))
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):  # runs of one second
            _add(self.slot(int(seconds[start])), buckets[start:end], values[start:end])


FOLD_EVERY = 4096


def _buckets_of(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``bucket_of`` for many values."""
    out = np.zeros(len(values), dtype=np.int64)
    positive = values >= 1
    out[positive] = np.minimum(
        (np.log2(values[positive].astype(np.float64)) * SUB_BUCKETS).astype(np.int64), N_BUCKETS - 1
    )
    return out


def _add(histogram: Histogram, buckets: npt.NDArray[np.int64], values: npt.NDArray[np.int64]) -> None:
    histogram.counts += np.bincount(buckets, minlength=N_BUCKETS)
    histogram.total += len(values)
    histogram.max_ns = max(histogram.max_ns, int(values.max()))


class LatencyMonitor:
    """Per-stage latency histograms: whole run, each second, and a sliding window."""

    def __init__(self, window_s: int = 60) -> None:
        self.window_s = window_s
        self._stages: dict[str, _StageWindow] = {}

    def record(self, stage: Stage | str, latency_ns: int, now_ns: int) -> None:
        """Record one latency observed at wall/sim time ``now_ns``."""
        window = self._stages.get(stage)
        if window is None:
            window = self._stages[str(stage)] = _StageWindow(self.window_s)
        window.pending_ns.append(latency_ns if latency_ns > 0 else 0)
        window.pending_second.append(now_ns // NS_PER_S)
        if len(window.pending_ns) >= FOLD_EVERY:
            window.fold()

    def _window(self, stage: Stage | str) -> _StageWindow | None:
        window = self._stages.get(stage)
        if window is not None:
            window.fold()
        return window

    def stages(self) -> Iterable[str]:
        """Stages seen so far."""
        return tuple(self._stages)

    def run_stats(self, stage: Stage | str) -> LatencyStats:
        """Quantiles over the whole run."""
        window = self._window(stage)
        return window.run.stats() if window else Histogram().stats()

    def second_stats(self, stage: Stage | str, second: int) -> LatencyStats:
        """Quantiles of one UTC second (if still within the window)."""
        window = self._window(stage)
        if window is None:
            return Histogram().stats()
        index = second % self.window_s
        if window.second_of[index] != second:
            return Histogram().stats()
        return window.seconds[index].stats()

    def window_stats(self, stage: Stage | str, now_ns: int) -> LatencyStats:
        """Quantiles over the last ``window_s`` seconds up to ``now_ns``."""
        window = self._window(stage)
        merged = Histogram()
        if window is None:
            return merged.stats()
        current = now_ns // NS_PER_S
        live = [
            window.seconds[index]
            for index, second in enumerate(window.second_of)
            if second >= 0 and current - self.window_s < second <= current and window.seconds[index].total
        ]
        if len(live) == 1:
            return live[0].stats()
        if live:  # one vectorised sum instead of a merge per second (this runs once a second)
            merged.counts = np.sum([h.counts for h in live], axis=0)
            merged.total = sum(h.total for h in live)
            merged.max_ns = max(h.max_ns for h in live)
        return merged.stats()

    def window_max_ns(self, stage: Stage | str, now_ns: int) -> int | None:
        """``window_stats(stage, now_ns).max_ns`` without folding or quantiles; None when the window
        holds no sample. Cheap enough to ask every second (the breaker check, quiet stretches)."""
        window = self._stages.get(stage)
        if window is None:
            return None
        current = now_ns // NS_PER_S
        oldest = current - self.window_s
        largest: int | None = None
        for index, second in enumerate(window.second_of):
            if oldest < second <= current and window.seconds[index].total:
                maximum = window.seconds[index].max_ns
                largest = maximum if largest is None else max(largest, maximum)
        for value, second in zip(window.pending_ns, window.pending_second, strict=True):
            if oldest < second <= current and (largest is None or value > largest):
                largest = value
        return largest

    def summary_us(self) -> dict[str, dict[str, float]]:
        """Stage → {p50, p90, p99, max, count} in µs over the run (for run summaries)."""
        for window in self._stages.values():
            window.fold()
        return {stage: window.run.stats().as_us() for stage, window in self._stages.items()}
