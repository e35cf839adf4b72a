"""The backtest fast path: the path-independent part of the pipeline computed up front.

Features and model predictions depend only on the market data, never on what the strategy does, so
for a recording they can be computed before the replay: the data engine's validation decides which
books and trades are accepted (one sequential pass, the same code as live), the feature matrix of
the accepted books comes from the batch implementation (bit-identical to the incremental one), and
the ensemble is run over it row by row with exactly the live call (``predict_row``) and the same
online weight updates (``PendingOutcomes``). The replay then runs only the path-dependent part —
strategy, risk, execution, fills — event by event. A test checks that results equal the plain mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.config import Config
from scalp_system.core.clock import SimulatedClock
from scalp_system.core.frames import BookFrame, TradeFrame, merge_events
from scalp_system.core.instrument import Instrument
from scalp_system.data.engine import DataEngine
from scalp_system.features import batch_features
from scalp_system.ml.ensemble import PendingOutcomes, WeightedEnsemble
from scalp_system.strategy.scalper import Signal

F64 = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Accepted:
    books: BoolArray
    trades: BoolArray


def _accepted_rows(config: Config, instrument: Instrument, books: BookFrame, trades: TradeFrame) -> _Accepted:
    """Which rows the DataEngine accepts, replaying the recording in its live order."""
    clock = SimulatedClock()
    engine = DataEngine(config.data, {instrument.uid: instrument}, clock)
    rows, kinds = merge_events(books, trades)
    book_ok = np.zeros(len(books), dtype=np.bool_)
    trade_ok = np.zeros(len(trades), dtype=np.bool_)
    for row, kind in zip(rows.tolist(), kinds.tolist(), strict=True):
        if kind == 0:
            book = books.book(row)
            clock.set(book.exchange_ts_ns)
            book_ok[row] = engine.on_book(book)
        else:
            trade = trades.trade(row)
            clock.set(trade.exchange_ts_ns)
            trade_ok[row] = engine.on_trade(trade)
    return _Accepted(book_ok, trade_ok)


def _select_books(frame: BookFrame, mask: BoolArray) -> BookFrame:
    return BookFrame(
        frame.instrument_id,
        frame.exchange_ts_ns[mask],
        frame.local_ts_ns[mask],
        frame.bid_px[mask],
        frame.bid_qty[mask],
        frame.ask_px[mask],
        frame.ask_qty[mask],
        frame.is_consistent[mask],
    )


def _select_trades(frame: TradeFrame, mask: BoolArray) -> TradeFrame:
    ids = frame.trade_id[mask] if frame.trade_id is not None else None
    return TradeFrame(
        frame.instrument_id,
        frame.exchange_ts_ns[mask],
        frame.local_ts_ns[mask],
        frame.price_ticks[mask],
        frame.lots[mask],
        frame.aggressor[mask],
        ids,
    )


class PrecomputedSignals:
    """Signals for each accepted book of each instrument, served in replay order."""

    def __init__(self, rows: dict[str, list[Signal | None]]) -> None:
        self._rows = rows
        self._next = dict.fromkeys(rows, 0)

    def __len__(self) -> int:
        return sum(len(v) for v in self._rows.values())

    def next_signal(self, instrument_id: str) -> Signal | None:
        """The signal of the next accepted book of ``instrument_id``."""
        index = self._next[instrument_id]
        self._next[instrument_id] = index + 1
        return self._rows[instrument_id][index]


def precompute_signals(
    config: Config, model: WeightedEnsemble, recordings: Sequence[tuple[Instrument, BookFrame, TradeFrame]]
) -> PrecomputedSignals:
    """Batch features and per-row ensemble signals for every accepted book of each recording."""
    rows: dict[str, list[Signal | None]] = {}
    for instrument, books, trades in recordings:
        accepted = _accepted_rows(config, instrument, books, trades)
        kept_books = _select_books(books, accepted.books)
        kept_trades = _select_trades(trades, accepted.trades)
        matrix = np.ascontiguousarray(
            batch_features(
                kept_books,
                kept_trades,
                config.features,
                config.data.lob_levels,
                instrument.tick,
                atr_bar_s=config.risk.atr_bar_s,
                atr_period=config.risk.atr_period,
            )
        )
        mids = (kept_books.bid_px[:, 0].astype(np.float64) + kept_books.ask_px[:, 0]) / 2.0
        outcomes = PendingOutcomes(model)
        signals: list[Signal | None] = []
        for index in range(matrix.shape[0]):
            vector = matrix[index]
            prediction = model.predict_row(vector) if np.all(np.isfinite(vector)) else None
            outcomes.on_book(float(mids[index]), prediction)
            if prediction is None:
                signals.append(None)
                continue
            p_down, p_flat, p_up = (float(p) for p in prediction.probs)
            signals.append(Signal(p_down, p_flat, p_up))
        rows[instrument.uid] = signals
    return PrecomputedSignals(rows)
