"""DataEngine.absorb: validated rows stored in bulk leave the engine as accepting them one by one."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from scalp_system.config import DataConfig
from scalp_system.core.clock import SimulatedClock
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.data.engine import DataEngine

X = Instrument("X", "X", lot=Decimal(1), tick=Decimal("0.1"))
T0 = 1_723_100_400 * 1_000_000_000


def _frames(seed: int, books: int, trades: int, levels: int = 5) -> tuple[BookFrame, TradeFrame]:
    rng = np.random.default_rng(seed)
    ts = T0 + np.cumsum(rng.integers(1, 10**8, books)).astype(np.int64)
    best = 10_000 + np.cumsum(rng.integers(-2, 3, books))
    steps = np.arange(levels)
    bid_px = (best[:, None] - steps[None, :]).astype(np.int64)
    ask_px = (best[:, None] + 1 + steps[None, :]).astype(np.int64)
    bid_qty = rng.integers(1, 50, (books, levels)).astype(np.int64)
    ask_qty = rng.integers(1, 50, (books, levels)).astype(np.int64)
    thin = rng.random(books) < 0.2  # some books show fewer levels (absent ones have size 0)
    bid_qty[thin, levels - 2 :] = 0
    consistent = np.ones(books, dtype=np.bool_)
    book_frame = BookFrame("X", ts, ts, bid_px, bid_qty, ask_px, ask_qty, consistent)
    trade_ts = np.sort(rng.integers(int(ts[0]), int(ts[-1]), trades)).astype(np.int64)
    trade_frame = TradeFrame(
        "X",
        trade_ts,
        trade_ts,
        rng.integers(9_990, 10_010, trades).astype(np.int64),
        rng.integers(1, 9, trades).astype(np.int64),
        rng.integers(1, 3, trades).astype(np.int8),
    )
    return book_frame, trade_frame


def _engine(clock: SimulatedClock) -> DataEngine:
    config = DataConfig(lob_levels=10, history_len=100, trade_history_len=70)
    return DataEngine(config, {"X": X}, clock, book_block_rows=16, trade_block_rows=8)


def _one_by_one(engine: DataEngine, clock: SimulatedClock, books: BookFrame, trades: TradeFrame) -> None:
    events = sorted(
        [(int(t), 1, i) for i, t in enumerate(books.exchange_ts_ns)]
        + [(int(t), 0, i) for i, t in enumerate(trades.exchange_ts_ns)]
    )
    for ts, kind, row in events:
        clock.set(ts)
        accepted = engine.on_book(books.book(row)) if kind else engine.on_trade(trades.trade(row))
        assert accepted


def test_absorb_stores_the_same_rings_and_counters_as_one_by_one() -> None:
    books, trades = _frames(3, 250, 180)
    clock_a, clock_b = SimulatedClock(T0), SimulatedClock(T0)
    reference, bulk = _engine(clock_a), _engine(clock_b)
    _one_by_one(reference, clock_a, books, trades)
    head_books = 40  # a stretch one by one, then the rest in two bulk pieces
    head_end = int(books.exchange_ts_ns[head_books - 1])
    _one_by_one(bulk, clock_b, books.slice(0, head_books), trades.between(None, head_end + 1))
    rest_books = books.slice(head_books, len(books))
    rest_trades = trades.between(head_end + 1, None)
    middle = len(rest_books) // 2
    previous_ts = head_end
    for piece in (rest_books.slice(0, middle), rest_books.slice(middle, len(rest_books))):
        last_ts = int(piece.exchange_ts_ns[-1])
        clock_b.set(last_ts)
        piece_trades = rest_trades.between(previous_ts + 1, last_ts + 1)
        bulk.absorb("X", piece, piece_trades, piece.book(len(piece) - 1), last_ts)
        previous_ts = last_ts
    tail_trades = rest_trades.between(int(rest_books.exchange_ts_ns[-1]) + 1, None)
    bulk.absorb("X", rest_books.slice(0, 0), tail_trades, None, None)
    clock_b.set(clock_a.now_ns())
    for name in ("exchange_ts_ns", "local_ts_ns", "bid_px", "bid_qty", "ask_px", "ask_qty"):
        want = getattr(reference.book_history("X"), name)
        assert np.array_equal(getattr(bulk.book_history("X"), name), want)
    for name in ("exchange_ts_ns", "price_ticks", "lots", "aggressor"):
        assert np.array_equal(
            getattr(bulk.trade_history("X"), name), getattr(reference.trade_history("X"), name)
        )
    assert bulk.memory_bytes == reference.memory_bytes
    got, want = bulk.metrics(), reference.metrics()
    assert got.instruments["X"] == want.instruments["X"]
    assert bulk.latest_book("X", allow_stale=True).exchange_ts_ns == int(books.exchange_ts_ns[-1])
