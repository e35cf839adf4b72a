"""The backtest fast path: the path-independent part of the pipeline computed up front.

Features and model predictions depend only on the market data, never on what the strategy does, so
for a recording they can be computed before the replay: the data engine's validation decides which
books and trades are accepted (one sequential pass, the same code as live), the feature matrix of
the accepted books comes from the batch implementation (bit-identical to the incremental one), and
the live SignalPipeline (model, online weights, drift checks, recalibration) is run over it row by
row in the live order. The replay then runs only the path-dependent part —
strategy, risk, execution, fills — event by event. A test checks that results equal the plain mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.config import Config
from scalp_system.core.clock import SimulatedClock
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.data.batch_validation import accepted_rows
from scalp_system.features import batch_features
from scalp_system.ml.ensemble import WeightedEnsemble
from scalp_system.orchestration.signals import SignalPipeline, SignalStep, StepRows

F64 = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Accepted:
    books: BoolArray
    trades: BoolArray


def _accepted_rows(config: Config, instrument: Instrument, books: BookFrame, trades: TradeFrame) -> _Accepted:
    """Which rows the DataEngine accepts, replaying the recording in its live order (decided with
    array operations by ``accepted_rows``, which a test holds equal to the engine itself)."""
    book_ok, trade_ok = accepted_rows(config.data, instrument, books, trades)
    return _Accepted(book_ok, trade_ok)


class PrecomputedSignals:
    """Signal steps for each accepted book of each instrument, served in replay order, and which
    recorded rows the data engine accepts (``accepted``: books, trades; frame-row masks)."""

    def __init__(
        self, rows: Mapping[str, Sequence[SignalStep]], accepted: Mapping[str, tuple[BoolArray, BoolArray]]
    ) -> None:
        self._rows = dict(rows)
        self._next = dict.fromkeys(rows, 0)
        self._accepted = dict(accepted)

    def accepted(self, instrument_id: str) -> tuple[BoolArray, BoolArray]:
        """(books, trades) row masks of ``instrument_id``'s recording: True where the data engine
        accepts the row (the steps are those of the accepted books, in row order)."""
        return self._accepted[instrument_id]

    def steps(self, instrument_id: str) -> Sequence[SignalStep]:
        """Every step of ``instrument_id``, one per accepted book."""
        return self._rows[instrument_id]

    def take(self, instrument_id: str, count: int) -> Sequence[SignalStep]:
        """The steps of the next ``count`` accepted books (the backtest's skipped quiet stretches),
        unbuilt where the steps are ``StepRows``."""
        index = self._next[instrument_id]
        self._next[instrument_id] = index + count
        steps = self._rows[instrument_id]
        if isinstance(steps, StepRows):
            return steps.window(index, index + count)
        return list(steps[index : index + count])

    def __len__(self) -> int:
        return sum(len(v) for v in self._rows.values())

    def next_step(self, instrument_id: str) -> SignalStep:
        """The step of the next accepted book of ``instrument_id``."""
        index = self._next[instrument_id]
        self._next[instrument_id] = index + 1
        return self._rows[instrument_id][index]


def precompute_signals(
    config: Config,
    model: WeightedEnsemble,
    recordings: Sequence[tuple[Instrument, BookFrame, TradeFrame]],
    drift_references: Mapping[str, F64] | None = None,
) -> PrecomputedSignals:
    """Batch features and the signal pipeline's steps for every accepted book, in replay order
    across instruments (the ensemble's online weights are shared between instruments)."""
    clock = SimulatedClock()
    pipeline = SignalPipeline(
        model, config, [r[0].uid for r in recordings], drift_references, now_ns=clock.now_ns
    )
    per_instrument: list[tuple[str, F64, F64, npt.NDArray[np.int64]]] = []
    masks: dict[str, tuple[BoolArray, BoolArray]] = {}
    for instrument, books, trades in recordings:
        accepted = _accepted_rows(config, instrument, books, trades)
        masks[instrument.uid] = (accepted.books, accepted.trades)
        kept_books = books.select(accepted.books)
        kept_trades = trades.select(accepted.trades)
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
        per_instrument.append((instrument.uid, matrix, mids, kept_books.exchange_ts_ns))
    if len(per_instrument) == 1:
        # One instrument: the pipeline's batch twin of ``on_vector`` row by row (equal, tested).
        uid, matrix, mids, ts = per_instrument[0]

        def set_clock(row: int) -> None:
            clock.set(int(ts[row]))

        steps = pipeline.on_matrix(uid, matrix, mids, before_row=set_clock).lazy_steps()
        return PrecomputedSignals({uid: steps}, masks)
    # The live path sees books of all instruments interleaved by time; the ensemble's online
    # updates are shared, so the steps are computed in that same order.
    uid_of = np.concatenate([np.full(len(ts), k) for k, (_, _, _, ts) in enumerate(per_instrument)])
    row_of = np.concatenate([np.arange(len(ts)) for _, _, _, ts in per_instrument])
    times = np.concatenate([ts for _, _, _, ts in per_instrument])
    rows: dict[str, list[SignalStep]] = {uid: [] for uid, _, _, _ in per_instrument}
    for index in np.argsort(times, kind="stable").tolist():
        uid, matrix, mids, ts = per_instrument[int(uid_of[index])]
        row = int(row_of[index])
        clock.set(int(ts[row]))
        rows[uid].append(pipeline.on_vector(uid, matrix[row], float(mids[row])))
    return PrecomputedSignals(rows, masks)
