"""The DataEngine's 1 Hz health report: update rates, rejects, staleness, buffer fill, memory.

Plain frozen values, built by ``DataEngine.metrics``; monitoring exports them (``to_dict`` is JSON-
and Prometheus-friendly: numbers and strings only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scalp_system.data.validation import RejectReason


@dataclass(frozen=True, slots=True)
class InstrumentDataMetrics:
    """One instrument's data health over the last metrics window."""

    uid: str
    book_updates_per_s: float
    trade_updates_per_s: float
    rejects: Mapping[RejectReason, int]  # cumulative since the instrument's state was created
    book_age_s: float | None  # seconds since the last accepted book (None: never had one)
    stale: bool
    book_rows: int
    book_fill: float  # rows held / history_len
    trade_rows: int
    trade_fill: float  # rows held / trade_history_len
    memory_bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "uid": self.uid,
            "book_updates_per_s": self.book_updates_per_s,
            "trade_updates_per_s": self.trade_updates_per_s,
            "rejects": {str(reason): count for reason, count in self.rejects.items()},
            "book_age_s": self.book_age_s,
            "stale": self.stale,
            "book_rows": self.book_rows,
            "book_fill": self.book_fill,
            "trade_rows": self.trade_rows,
            "trade_fill": self.trade_fill,
            "memory_bytes": self.memory_bytes,
        }


@dataclass(frozen=True, slots=True)
class DataEngineMetrics:
    """The whole engine at ``ts_ns``; rates are over the ``window_s`` since the last publication."""

    ts_ns: int
    window_s: float
    updates_per_s: float  # accepted books + trades, all instruments
    book_updates_per_s: float
    trade_updates_per_s: float
    rejects_by_reason: Mapping[RejectReason, int]  # cumulative since the engine started
    rejects_total: int
    instruments: Mapping[str, InstrumentDataMetrics]
    stale_instruments: tuple[str, ...]
    memory_bytes: int
    memory_budget_bytes: int
    evictions: int  # memory-guard runs that freed something, cumulative
    evicted_rows: int  # history rows dropped by the guard, cumulative
    eviction_max_us: float  # slowest guard run so far
    budget_overruns: int  # guard runs that could not get under the budget (budget too small)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "ts_ns": self.ts_ns,
            "window_s": self.window_s,
            "updates_per_s": self.updates_per_s,
            "book_updates_per_s": self.book_updates_per_s,
            "trade_updates_per_s": self.trade_updates_per_s,
            "rejects_by_reason": {str(reason): count for reason, count in self.rejects_by_reason.items()},
            "rejects_total": self.rejects_total,
            "instruments": {uid: m.to_dict() for uid, m in self.instruments.items()},
            "stale_instruments": list(self.stale_instruments),
            "memory_bytes": self.memory_bytes,
            "memory_budget_bytes": self.memory_budget_bytes,
            "evictions": self.evictions,
            "evicted_rows": self.evicted_rows,
            "eviction_max_us": self.eviction_max_us,
            "budget_overruns": self.budget_overruns,
        }
