"""The batch feature computation: whole BookFrame + TradeFrame → one matrix, for research and backtests.

Row ``i`` is the vector ``FeatureEngine.on_book`` returns at book ``i`` when the events are replayed in
``core.frames.merge_events`` order (trades first at equal times). One compiled pass over the rows
(``kernels.batch_kernel``) runs, row after row, the very kernels the incremental engine runs per
book (trade windows from exact running totals of the trades at or before the book),
so the two implementations execute the same floating-point operations and agree bit for bit (the
contract is 1e-9). The ATR column comes from ``atr.atr_at``, the vectorised twin of the
``AtrTracker`` the live path uses. The matrix is row-major (C order), one vector per row.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from scalp_system.config import FeaturesConfig
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.features.atr import atr_at
from scalp_system.features.kernels import KernelPlan, KernelState, batch_kernel
from scalp_system.features.layout import FeatureLayout

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def batch_features(
    books: BookFrame,
    trades: TradeFrame | None,
    cfg: FeaturesConfig,
    lob_levels: int,
    tick: float | Decimal,
    *,
    atr_bar_s: int = 60,
    atr_period: int = 5,
) -> F64:
    """The (n_books, n_features) float64 matrix of features at every book (registry order, row-major)."""
    layout, plan = _resolved(cfg, lob_levels, tick, atr_bar_s, atr_period)
    return _compute(layout, plan, books, trades)


@lru_cache(maxsize=64)
def _resolved(
    cfg: FeaturesConfig, lob_levels: int, tick: float | Decimal, atr_bar_s: int, atr_period: int
) -> tuple[FeatureLayout, KernelPlan]:
    """Layout and kernel plan, resolved once per setting (~0.4 ms; research calls the batch in loops).
    Both are immutable (the kernels only read the plan)."""
    layout = FeatureLayout.build(cfg, lob_levels, tick, atr_bar_s, atr_period)
    return layout, KernelPlan.of(layout)


def compute_batch(layout: FeatureLayout, books: BookFrame, trades: TradeFrame | None) -> F64:
    """Batch features for a resolved layout (see ``batch_features``); refuses a one-sided book."""
    return _compute(layout, KernelPlan.of(layout), books, trades)


def _compute(layout: FeatureLayout, plan: KernelPlan, books: BookFrame, trades: TradeFrame | None) -> F64:
    """The batch: validate, ATR column (``atr_at``), then one pass of the compiled kernel."""
    n = len(books)
    out = np.empty((n, layout.n_features), dtype=np.float64)
    if n == 0:
        return out
    bid_qty = np.asarray(books.bid_qty, dtype=np.int64)
    ask_qty = np.asarray(books.ask_qty, dtype=np.int64)
    one_sided = (bid_qty[:, 0] <= 0) | (ask_qty[:, 0] <= 0)
    if one_sided.any():
        row = int(np.argmax(one_sided))
        raise ValueError(
            f"features need two-sided books; row {row} of {books.instrument_id} has an empty side"
        )
    bid_px = np.asarray(books.bid_px, dtype=np.int64)
    ask_px = np.asarray(books.ask_px, dtype=np.int64)
    book_ts = np.asarray(books.exchange_ts_ns, dtype=np.int64)
    if trades is None or len(trades) == 0:
        trade_ts = price = lots = np.zeros(0, dtype=np.int64)
        side = np.zeros(0, dtype=np.int8)
    else:
        trade_ts = np.asarray(trades.exchange_ts_ns, dtype=np.int64)
        price = np.asarray(trades.price_ticks, dtype=np.int64)
        lots = np.asarray(trades.lots, dtype=np.int64)
        side = np.asarray(trades.aggressor, dtype=np.int8)
    mids = ((bid_px[:, 0] + ask_px[:, 0]) * 0.5).astype(np.float64, copy=False)  # half ticks: exact
    atr = atr_at(
        book_ts, trade_ts, price.astype(np.float64), book_ts, mids, layout.atr_bar_s, layout.atr_period
    )
    batch_kernel()(
        *KernelState.fresh(layout),
        *plan,
        bid_px,
        bid_qty,
        ask_px,
        ask_qty,
        book_ts,
        trade_ts,
        price,
        lots,
        side,
        atr,
        out,
    )
    return out
