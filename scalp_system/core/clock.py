"""Clocks: the one source of time for a run. Wall clock live and paper, simulated in backtests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time in nanoseconds."""

    def now_ns(self) -> int:
        """Current UTC time, ns since the epoch."""
        ...


class WallClock:
    """Real time (``time.time_ns``)."""

    def now_ns(self) -> int:
        """Current UTC time, ns since the epoch."""
        return time.time_ns()


class SimulatedClock:
    """A clock that moves only when told to; backtests set it to each event's timestamp."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns

    def now_ns(self) -> int:
        """The simulated time."""
        return self._now_ns

    def set(self, ts_ns: int) -> None:
        """Move to ``ts_ns``; time never runs backwards."""
        if ts_ns > self._now_ns:
            self._now_ns = ts_ns

    def advance(self, delta_ns: int) -> None:
        """Move forward by ``delta_ns``."""
        if delta_ns < 0:
            raise ValueError("a clock cannot move backwards")
        self._now_ns += delta_ns


NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
NS_PER_US = 1_000
