"""Quiet stretches: runs of market data a backtest may take in at once.

While the system is flat with nothing working and the precomputed signal stays below the entry
threshold, a book or trade changes only market facts (data history, ATR, spread statistics, move
scale, marks): no decision can come of it. The backtest's fast path finds such stretches in the
recording and hands each to ``Orchestrator.absorb_quiet`` as one ``QuietStretch`` per instrument;
the state afterwards is the one event-by-event processing leaves (tests compare both modes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.market import OrderBook
from scalp_system.orchestration.signals import SignalStep


@dataclass(frozen=True, slots=True)
class QuietStretch:
    """One instrument's part of a skipped stretch: its accepted books (as the venue showed them,
    stamped with the event times) and trades, the last book as an OrderBook, the precomputed signal
    step of each book, and the prices the ATR sees (book mids and trade prices, in feed order)."""

    instrument_id: str
    books: BookFrame
    trades: TradeFrame
    last_book: OrderBook | None
    steps: Sequence[SignalStep]
    atr_prices: npt.NDArray[np.float64]
    atr_ts_ns: npt.NDArray[np.int64]
    atr_is_trade: npt.NDArray[np.bool_]


class StretchForwarder(Protocol):
    """Takes in the next quiet stretch of the event source, if the run is quiet (backtest only)."""

    def forward(self) -> int:
        """Absorb the quiet events ahead (none when the run is not quiet); returns how many."""
        ...
