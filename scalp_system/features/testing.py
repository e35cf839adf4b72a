"""Test support for features: replay a recording through the engine, check parity, a synthetic market.

Used by the feature test suites and by anyone who wants to prove a change keeps the two
implementations in agreement (``parity_failures``) or needs a seeded awkward market
(``synthetic_market``: thin books, shared timestamps, silent gaps, all aggressor kinds).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame, TradeFrame, merge_events
from scalp_system.core.market import Aggressor, OrderBook
from scalp_system.features.incremental import FeatureEngine

F64 = npt.NDArray[np.float64]
PARITY_TOLERANCE = 1e-9
"""|batch − incremental| ≤ 1e-9 · max(1, |batch|, |incremental|): absolute near 0, relative above 1."""


def replay(engine: FeatureEngine, books: BookFrame, trades: TradeFrame | None) -> F64:
    """Feed events to ``engine`` in ``merge_events`` order; the vector at each book, one row per book."""
    if trades is None:
        trades = TradeFrame.from_trades(books.instrument_id, [])
    rows = np.empty((len(books), engine.n_features))
    order, kind = merge_events(books, trades)
    bid_levels = np.count_nonzero(books.bid_qty > 0, axis=1).tolist()
    ask_levels = np.count_nonzero(books.ask_qty > 0, axis=1).tolist()
    for index, is_trade in zip(order.tolist(), kind.tolist(), strict=True):
        if is_trade:
            engine.on_trade(trades.trade(index))
        else:
            rows[index] = engine.on_book(_book(books, index, bid_levels[index], ask_levels[index]))
    return rows


def _book(books: BookFrame, row: int, bid_levels: int, ask_levels: int) -> OrderBook:
    """Row ``row`` as an OrderBook over views of the frame (``BookFrame.book`` copies; this is faster)."""
    return OrderBook(
        books.instrument_id,
        books.levels,
        books.bid_px[row, :bid_levels],
        books.bid_qty[row, :bid_levels],
        books.ask_px[row, :ask_levels],
        books.ask_qty[row, :ask_levels],
        int(books.exchange_ts_ns[row]),
        int(books.local_ts_ns[row]),
        bool(books.is_consistent[row]),
    )


def parity_failures(batch: F64, incremental: F64, names: tuple[str, ...]) -> list[str]:
    """One line per feature whose two implementations disagree beyond ``PARITY_TOLERANCE``."""
    assert batch.shape == incremental.shape == (batch.shape[0], len(names))
    scale = np.maximum(1.0, np.maximum(np.abs(batch), np.abs(incremental)))
    bad = ~(np.abs(batch - incremental) <= PARITY_TOLERANCE * scale)
    failures = []
    for column in np.flatnonzero(bad.any(axis=0)):
        row = int(np.flatnonzero(bad[:, column])[0])
        failures.append(
            f"{names[column]}: row {row} "
            f"batch={batch[row, column]!r} incremental={incremental[row, column]!r}"
        )
    return failures


def synthetic_market(
    seed: int, n_books: int = 3000, levels: int = 20, *, thin: bool = True, n_trades: int | None = None
) -> tuple[BookFrame, TradeFrame]:
    """A seeded random market with the awkward cases features must survive.

    Mid random walk in ticks, spreads of 1–4 ticks, level gaps of 1–3 ticks, thin books (fewer
    levels than asked) when ``thin``, trades of all three aggressor kinds, books and trades sharing
    timestamps, bursts of books at one timestamp, and silent gaps longer than a minute (ATR bars
    with no events, bars built from mids only).
    """
    rng = np.random.default_rng(seed)
    steps = rng.exponential(80e6, n_books).astype(np.int64) + 1
    steps[rng.random(n_books) < 0.05] = 0  # bursts at one timestamp
    steps[rng.random(n_books) < 0.003] = 150_000_000_000  # silent gaps > 2 bars
    book_ts = 1_723_161_600_000_000_000 + np.cumsum(steps)
    bid1 = 100_000 + np.cumsum(rng.integers(-2, 3, n_books))
    spread = rng.choice([1, 1, 1, 2, 3, 4], n_books)
    bid_px = np.zeros((n_books, levels), dtype=np.int64)
    ask_px = np.zeros((n_books, levels), dtype=np.int64)
    bid_qty = np.zeros((n_books, levels), dtype=np.int64)
    ask_qty = np.zeros((n_books, levels), dtype=np.int64)
    bid_px[:, 0] = bid1
    ask_px[:, 0] = bid1 + spread
    for level in range(1, levels):
        bid_px[:, level] = bid_px[:, level - 1] - rng.integers(1, 4, n_books)
        ask_px[:, level] = ask_px[:, level - 1] + rng.integers(1, 4, n_books)
    bid_qty[:] = rng.integers(1, 60, (n_books, levels))
    ask_qty[:] = rng.integers(1, 60, (n_books, levels))
    if thin:
        for px, qty in ((bid_px, bid_qty), (ask_px, ask_qty)):
            depth = np.where(rng.random(n_books) < 0.15, rng.integers(1, levels + 1, n_books), levels)
            absent = np.arange(levels)[None, :] >= depth[:, None]
            px[absent] = 0
            qty[absent] = 0
    books = BookFrame(
        "SYN", book_ts, book_ts.copy(), bid_px, bid_qty, ask_px, ask_qty, np.ones(n_books, dtype=np.bool_)
    )
    count = n_trades if n_trades is not None else n_books
    at_book = rng.integers(0, n_books, count)
    trade_ts = np.sort(
        np.where(
            rng.random(count) < 0.3, book_ts[at_book], book_ts[at_book] - rng.integers(0, 50_000_000, count)
        )
    )
    source = np.searchsorted(book_ts, trade_ts, side="right") - 1
    source = np.maximum(source, 0)
    side = rng.choice(
        [int(Aggressor.BUY), int(Aggressor.SELL), int(Aggressor.UNSPECIFIED)], count, p=[0.45, 0.45, 0.1]
    )
    price = np.where(side == int(Aggressor.SELL), bid_px[source, 0], ask_px[source, 0])
    trades = TradeFrame(
        "SYN",
        trade_ts,
        trade_ts.copy(),
        price.astype(np.int64),
        rng.integers(1, 40, count).astype(np.int64),
        side.astype(np.int8),
    )
    return books, trades
