"""DataEngine specification: validation at the door, TTL, history rings, memory guard, metrics, soak."""

from __future__ import annotations

import logging
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from scalp_system.config import DataConfig
from scalp_system.core import NS_PER_MS, NS_PER_S, Aggressor, Instrument, InstrumentKind, OrderBook, Trade
from scalp_system.core.clock import SimulatedClock
from scalp_system.data import (
    BookRing,
    DataEngine,
    RejectReason,
    TradeRing,
    check_book,
    check_decimal_book,
    check_decimal_prices,
    read_books_csv,
    read_trades_csv,
)
from scalp_system.data.engine import BYTES_PER_MB

SBER = Instrument(uid="sber-uid", ticker="SBER", lot=Decimal(10), tick=Decimal("0.01"))
GAZP = Instrument(uid="gazp-uid", ticker="GAZP", lot=Decimal(10), tick=Decimal("0.01"))
T0 = 1_700_000_000 * NS_PER_S


def make_book(
    uid: str = SBER.uid,
    ts_ns: int = T0,
    *,
    bid: int = 30_000,
    ask: int = 30_001,
    levels: int = 5,
    **overrides: object,
) -> OrderBook:
    """A well-formed book: ``levels`` levels a tick apart on each side, sizes 10, 11, ..."""
    bids = [(bid - i, 10 + i) for i in range(levels)]
    asks = [(ask + i, 10 + i) for i in range(levels)]
    book = OrderBook.build(uid, bids, asks, ts_ns, depth=20)
    if not overrides:
        return book
    fields = {name: getattr(book, name) for name in OrderBook.__slots__}
    for name, value in overrides.items():
        fields[name] = np.array(value, dtype=np.int64) if isinstance(value, list) else value
    return OrderBook(**fields)  # type: ignore[arg-type]


def make_trade(uid: str = SBER.uid, ts_ns: int = T0, *, price: int = 30_000, lots: int = 3) -> Trade:
    return Trade(uid, price, lots, Aggressor.BUY, ts_ns, ts_ns, "t1")


def make_engine(clock: SimulatedClock | None = None, **config: object) -> tuple[DataEngine, SimulatedClock]:
    clock = clock or SimulatedClock(T0)
    engine = DataEngine(DataConfig(**config), {SBER.uid: SBER, GAZP.uid: GAZP}, clock)  # type: ignore[arg-type]
    return engine, clock


# -- validation at the door --------------------------------------------------------------------------
def test_a_good_book_is_accepted_and_becomes_the_latest() -> None:
    engine, _ = make_engine()
    book = make_book()
    assert engine.on_book(book) is True
    assert engine.latest_book(SBER.uid) is book
    assert sum(engine.rejects_by_reason().values()) == 0


BAD_BOOKS = {
    RejectReason.BOOK_CROSSED: lambda: make_book(bid=30_005, ask=30_001),
    RejectReason.BOOK_LOCKED: lambda: make_book(bid=30_001, ask=30_001),
    RejectReason.PRICE_NOT_POSITIVE: lambda: make_book(bid_px=[2, 1, 0, -1, -2], bid=2, ask=3),
    RejectReason.SIZE_NOT_POSITIVE: lambda: make_book(ask_qty=[5, 0, 5, 5, 5]),
    RejectReason.LEVELS_UNSORTED: lambda: make_book(bid_px=[30_000, 29_998, 29_999, 29_997, 29_996]),
    RejectReason.BOOK_INCONSISTENT: lambda: make_book(is_consistent=False),
    RejectReason.BOOK_SIDE_EMPTY: lambda: make_book(ask_px=[], ask_qty=[]),
    RejectReason.PRICE_OUTSIDE_BAND: lambda: make_book(limit_up_ticks=30_003),
    RejectReason.INSTRUMENT_UNKNOWN: lambda: make_book(uid="nobody"),
    RejectReason.INPUT_MALFORMED: lambda: make_book(bid_qty=[10, 11]),
}


@pytest.mark.parametrize("reason", list(BAD_BOOKS), ids=str)
def test_each_bad_book_is_refused_and_counted_under_its_reason(reason: RejectReason) -> None:
    engine, _ = make_engine()
    book = BAD_BOOKS[reason]()
    assert engine.on_book(book) is False
    assert engine.reject_count(reason) == 1
    assert engine.reject_count(reason, book.instrument_id) == 1
    assert sum(engine.rejects_by_reason().values()) == 1
    assert engine.latest_book(book.instrument_id) is None


def test_a_book_older_than_the_last_accepted_is_refused_as_time_backwards() -> None:
    engine, _ = make_engine()
    assert engine.on_book(make_book(ts_ns=T0 + 10))
    assert engine.on_book(make_book(ts_ns=T0 + 9)) is False
    assert engine.reject_count(RejectReason.TIME_BACKWARDS, SBER.uid) == 1


def test_books_with_equal_exchange_times_are_all_accepted() -> None:
    engine, _ = make_engine()
    assert engine.on_book(make_book(ts_ns=T0))
    assert engine.on_book(make_book(ts_ns=T0, bid=30_001, ask=30_002))


def test_asks_out_of_order_are_refused_as_unsorted() -> None:
    engine, _ = make_engine()
    assert not engine.on_book(make_book(ask_px=[30_001, 30_003, 30_002, 30_004, 30_005]))
    assert engine.reject_count(RejectReason.LEVELS_UNSORTED) == 1


def test_garbage_that_is_not_a_book_is_counted_and_never_raises() -> None:
    engine, _ = make_engine()
    assert engine.on_book("not a book") is False  # type: ignore[arg-type]
    assert engine.on_book(make_book(bid_px=np.array([1.5, 0.5]), bid_qty=[1, 1])) is False
    assert engine.on_trade(None) is False  # type: ignore[arg-type]
    assert engine.reject_count(RejectReason.INPUT_MALFORMED) == 3


def test_a_refused_book_leaves_the_previous_good_book_as_latest() -> None:
    engine, _ = make_engine()
    good = make_book()
    engine.on_book(good)
    engine.on_book(make_book(ts_ns=T0 + 1, bid=30_009))
    assert engine.latest_book(SBER.uid) is good


def test_rejects_are_counted_per_instrument() -> None:
    engine, _ = make_engine()
    engine.on_book(make_book(SBER.uid, bid=40_000))
    engine.on_book(make_book(SBER.uid, bid=40_000))
    engine.on_book(make_book(GAZP.uid, is_consistent=False))
    assert engine.reject_count(RejectReason.BOOK_CROSSED, SBER.uid) == 2
    assert engine.reject_count(RejectReason.BOOK_CROSSED, GAZP.uid) == 0
    assert engine.reject_count(RejectReason.BOOK_INCONSISTENT, GAZP.uid) == 1


BAD_TRADES = {
    RejectReason.PRICE_NOT_POSITIVE: lambda: make_trade(price=0),
    RejectReason.SIZE_NOT_POSITIVE: lambda: make_trade(lots=-1),
    RejectReason.INSTRUMENT_UNKNOWN: lambda: make_trade(uid="nobody"),
}


@pytest.mark.parametrize("reason", list(BAD_TRADES), ids=str)
def test_each_bad_trade_is_refused_and_counted_under_its_reason(reason: RejectReason) -> None:
    engine, _ = make_engine()
    trade = BAD_TRADES[reason]()
    assert engine.on_trade(trade) is False
    assert engine.reject_count(reason, trade.instrument_id) == 1
    assert len(engine.trade_history(SBER.uid)) == 0


def test_a_trade_older_than_the_last_accepted_is_refused_as_time_backwards() -> None:
    engine, _ = make_engine()
    assert engine.on_trade(make_trade(ts_ns=T0 + 5))
    assert engine.on_trade(make_trade(ts_ns=T0 + 5))
    assert engine.on_trade(make_trade(ts_ns=T0 + 4)) is False
    assert engine.reject_count(RejectReason.TIME_BACKWARDS, SBER.uid) == 1


def test_a_trade_outside_the_latest_books_price_band_is_refused() -> None:
    engine, _ = make_engine()
    engine.on_book(make_book(limit_down_ticks=29_000, limit_up_ticks=31_000))
    assert engine.on_trade(make_trade(price=31_001)) is False
    assert engine.on_trade(make_trade(price=31_000)) is True
    assert engine.reject_count(RejectReason.PRICE_OUTSIDE_BAND) == 1


def test_refusals_are_logged_once_per_reason_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    engine, clock = make_engine()
    with caplog.at_level(logging.WARNING, logger="scalp_system.data.engine"):
        for _ in range(100):
            engine.on_book(make_book(bid=40_000))
        clock.advance(61 * NS_PER_S)
        engine.on_book(make_book(bid=40_000))
    messages = [r.getMessage() for r in caplog.records if "BOOK_CROSSED" in r.getMessage()]
    assert len(messages) == 2
    assert "99 more" in messages[1]


def test_decimal_levels_off_the_tick_are_refused_before_conversion() -> None:
    bids = [(Decimal("300.00"), 1), (Decimal("299.995"), 1)]
    asks = [(Decimal("300.01"), 1)]
    assert check_decimal_book(bids, asks, SBER) is RejectReason.PRICE_OFF_TICK
    assert check_decimal_book(bids[:1], asks, SBER) is None
    assert check_decimal_prices([Decimal("0")], SBER.tick) is RejectReason.PRICE_NOT_POSITIVE


def test_decimal_levels_are_checked_for_order_and_crossing() -> None:
    one = Decimal("0.01")
    rising_bids = [(one * 5, 1), (one * 6, 1)]
    assert check_decimal_book(rising_bids, [(one * 7, 1)], SBER) is RejectReason.LEVELS_UNSORTED
    assert check_decimal_book([(one * 8, 1)], [(one * 7, 1)], SBER) is RejectReason.BOOK_CROSSED
    assert check_decimal_book([(one * 7, 1)], [(one * 7, 1)], SBER) is RejectReason.BOOK_LOCKED
    assert check_decimal_book([(one * 7, 0)], [(one * 8, 1)], SBER) is RejectReason.SIZE_NOT_POSITIVE


def test_a_book_for_another_instrument_is_a_mismatch() -> None:
    assert check_book(make_book(GAZP.uid), SBER) is RejectReason.INSTRUMENT_MISMATCH


# -- TTL ------------------------------------------------------------------------------------------------
def test_the_latest_book_goes_stale_after_the_ttl_without_a_valid_book() -> None:
    engine, clock = make_engine()
    engine.on_book(make_book())
    clock.advance(5 * NS_PER_S)
    assert not engine.is_stale(SBER.uid)
    assert engine.latest_book(SBER.uid) is not None
    clock.advance(1)
    assert engine.is_stale(SBER.uid)
    assert engine.latest_book(SBER.uid) is None
    assert engine.latest_book(SBER.uid, allow_stale=True) is not None


def test_refused_books_do_not_keep_an_instrument_fresh() -> None:
    engine, clock = make_engine()
    engine.on_book(make_book())
    for step in range(1, 7):
        clock.advance(NS_PER_S)
        engine.on_book(make_book(ts_ns=T0 + step * NS_PER_S, is_consistent=False))
    assert engine.is_stale(SBER.uid)


def test_a_valid_book_makes_a_stale_instrument_fresh_again() -> None:
    engine, clock = make_engine()
    engine.on_book(make_book())
    clock.advance(10 * NS_PER_S)
    assert engine.is_stale(SBER.uid)
    engine.on_book(make_book(ts_ns=T0 + 10 * NS_PER_S))
    assert not engine.is_stale(SBER.uid)


def test_an_instrument_that_never_had_a_book_is_stale() -> None:
    engine, _ = make_engine()
    assert engine.is_stale(SBER.uid)
    assert engine.is_stale("nobody")
    assert engine.book_age_ns(SBER.uid) is None


def test_the_ttl_follows_the_configuration() -> None:
    engine, clock = make_engine(book_ttl_s=0.5)
    engine.on_book(make_book())
    clock.advance(501 * NS_PER_MS)
    assert engine.is_stale(SBER.uid)


# -- rings ----------------------------------------------------------------------------------------------
def test_a_book_ring_keeps_only_the_last_capacity_books_in_time_order() -> None:
    ring = BookRing(capacity=10, levels=5, block_rows=4)
    for i in range(23):
        ring.append(make_book(ts_ns=i))
    frame = ring.frame("x")
    assert len(ring) == 10
    assert frame.exchange_ts_ns.tolist() == list(range(13, 23))


def test_the_last_n_books_come_out_in_time_order_across_block_boundaries() -> None:
    ring = BookRing(capacity=100, levels=5, block_rows=4)
    for i in range(30):
        ring.append(make_book(ts_ns=i))
    assert ring.frame("x", 7).exchange_ts_ns.tolist() == list(range(23, 30))
    assert ring.frame("x", 2).exchange_ts_ns.tolist() == [28, 29]
    assert ring.frame("x", 500).exchange_ts_ns.tolist() == list(range(30))
    assert len(ring.frame("x", 0)) == 0


def test_ring_memory_never_exceeds_its_block_bound() -> None:
    ring = BookRing(capacity=10, levels=20, block_rows=4)
    bound = (math.ceil(10 / 4) + 1) * ring.block_nbytes
    for i in range(1_000):
        ring.append(make_book(ts_ns=i))
        assert ring.nbytes <= bound
    assert ring.fill_ratio == 1.0


def test_thin_books_are_padded_with_zeros_and_deep_books_cut_to_depth() -> None:
    ring = BookRing(capacity=4, levels=3)
    ring.append(make_book(levels=2))
    ring.append(make_book(levels=5, ts_ns=T0 + 1))
    frame = ring.frame("x")
    assert frame.bid_px.tolist() == [[30_000, 29_999, 0], [30_000, 29_999, 29_998]]
    assert frame.ask_qty.tolist() == [[10, 11, 0], [10, 11, 12]]


def test_ring_frames_are_read_only() -> None:
    ring = BookRing(capacity=8, levels=5)
    ring.append(make_book())
    frame = ring.frame("x")
    with pytest.raises(ValueError):
        frame.bid_px[0, 0] = 1


def test_a_trade_ring_keeps_the_last_trades_in_order() -> None:
    ring = TradeRing(capacity=5, block_rows=2)
    for i in range(12):
        ring.append(make_trade(ts_ns=i, lots=i + 1))
    frame = ring.frame("x")
    assert frame.exchange_ts_ns.tolist() == [7, 8, 9, 10, 11]
    assert frame.lots.tolist() == [8, 9, 10, 11, 12]
    assert frame.aggressor.tolist() == [int(Aggressor.BUY)] * 5


def test_engine_history_is_bounded_by_the_configured_lengths() -> None:
    engine, _ = make_engine(history_len=50, trade_history_len=30)
    for i in range(120):
        engine.on_book(make_book(ts_ns=T0 + i))
        engine.on_trade(make_trade(ts_ns=T0 + i))
    assert len(engine.book_history(SBER.uid)) == 50
    assert engine.book_history(SBER.uid).exchange_ts_ns[0] == T0 + 70
    assert len(engine.trade_history(SBER.uid)) == 30
    assert len(engine.book_history(SBER.uid, 5)) == 5


def test_forget_clears_an_instrument_and_accepts_earlier_times_again() -> None:
    engine, _ = make_engine()
    engine.on_book(make_book(ts_ns=T0 + 100))
    engine.on_trade(make_trade(ts_ns=T0 + 100))
    memory_before = engine.memory_bytes
    engine.forget(SBER.uid)
    assert engine.latest_book(SBER.uid) is None
    assert len(engine.book_history(SBER.uid)) == 0
    assert len(engine.trade_history(SBER.uid)) == 0
    assert engine.memory_bytes < memory_before
    assert engine.on_book(make_book(ts_ns=T0))


# -- memory guard -----------------------------------------------------------------------------------------
def small_budget_engine() -> tuple[DataEngine, SimulatedClock]:
    """1 MB budget, 64-book blocks at depth 20 (41,984 bytes each: 24 fit)."""
    clock = SimulatedClock(T0)
    config = DataConfig(max_memory_mb=1)
    return DataEngine(config, {SBER.uid: SBER, GAZP.uid: GAZP}, clock, book_block_rows=64), clock


def _feed(engine: DataEngine, uid: str, start_ns: int, count: int) -> None:
    for i in range(count):
        engine.on_book(make_book(uid, ts_ns=start_ns + i, levels=20))


def test_the_memory_guard_evicts_the_oldest_history_of_the_least_recently_updated_instrument_first() -> None:
    engine, _ = small_budget_engine()
    block = 64 * (2 + 4 * 20) * 8  # one book block at depth 20
    budget_blocks = engine.memory_budget_bytes // block  # 24 blocks fit in 1 MB
    _feed(engine, SBER.uid, T0, 64 * 16)  # SBER: 16 blocks, then it goes quiet
    _feed(engine, GAZP.uid, T0, 64 * 16)  # GAZP: 16 more blocks -> over budget
    assert engine.memory_bytes <= engine.memory_budget_bytes
    sber, gazp = engine.book_history(SBER.uid), engine.book_history(GAZP.uid)
    assert len(gazp) == 64 * 16  # the recently updated instrument kept everything
    assert len(sber) == 64 * (budget_blocks - 16)  # the quiet one lost its oldest blocks
    assert sber.exchange_ts_ns[-1] == T0 + 64 * 16 - 1  # ... and kept its newest rows
    assert sber.exchange_ts_ns[0] == T0 + 64 * (32 - budget_blocks)


def test_a_stale_instruments_whole_history_goes_before_a_live_one_loses_any() -> None:
    engine, clock = small_budget_engine()
    _feed(engine, SBER.uid, T0, 64 * 10)
    clock.advance(60 * NS_PER_S)  # SBER goes stale
    _feed(engine, GAZP.uid, T0, 64 * 24)  # exactly the budget: no room for even one SBER block
    assert len(engine.book_history(SBER.uid)) == 0
    assert len(engine.book_history(GAZP.uid)) == 64 * 24
    assert engine.memory_bytes <= engine.memory_budget_bytes


def test_a_live_instrument_keeps_the_block_it_is_writing() -> None:
    engine, _ = small_budget_engine()
    _feed(engine, SBER.uid, T0, 10)
    _feed(engine, GAZP.uid, T0, 64 * 30)
    assert len(engine.book_history(SBER.uid)) == 10  # not stale: its only block stays
    assert engine.metrics().budget_overruns == 0


def test_memory_stays_within_budget_while_every_instrument_keeps_updating() -> None:
    engine, clock = small_budget_engine()
    for i in range(64 * 40):
        clock.advance(NS_PER_MS)
        engine.on_book(make_book(SBER.uid, ts_ns=T0 + i, levels=20))
        engine.on_book(make_book(GAZP.uid, ts_ns=T0 + i, levels=20))
        assert engine.memory_bytes <= engine.memory_budget_bytes
    assert engine.metrics().evictions > 0
    assert engine.metrics().budget_overruns == 0
    assert len(engine.eviction_durations_ns()) == engine.metrics().evictions


def test_a_budget_too_small_for_the_write_blocks_is_reported_not_raised() -> None:
    clock = SimulatedClock(T0)
    uids = [f"i{k}" for k in range(12)]
    instruments = {uid: Instrument(uid=uid, ticker=uid) for uid in uids}
    engine = DataEngine(DataConfig(max_memory_mb=1), instruments, clock)  # 12 write blocks of 168 KB
    for uid in uids:
        assert engine.on_book(make_book(uid, levels=20))
    assert engine.metrics().budget_overruns > 0


# -- metrics ---------------------------------------------------------------------------------------------
def test_metrics_are_published_once_per_interval() -> None:
    engine, clock = make_engine()
    published = []
    for _ in range(40):  # 4 s in 100 ms steps
        clock.advance(100 * NS_PER_MS)
        snapshot = engine.maybe_publish(clock.now_ns())
        if snapshot is not None:
            published.append(snapshot.ts_ns - T0)
    assert published == [k * NS_PER_S for k in (1, 2, 3, 4)]


def test_metrics_report_rates_rejects_staleness_fill_and_memory() -> None:
    engine, clock = make_engine(history_len=100)
    for i in range(10):
        clock.advance(100 * NS_PER_MS)
        engine.on_book(make_book(ts_ns=T0 + i))
        engine.on_trade(make_trade(ts_ns=T0 + i))
    engine.on_book(make_book(GAZP.uid))
    engine.on_book(make_book(bid=40_000))
    snapshot = engine.maybe_publish(clock.now_ns())
    assert snapshot is not None
    sber = snapshot.instruments[SBER.uid]
    assert sber.book_updates_per_s == pytest.approx(10.0)
    assert sber.trade_updates_per_s == pytest.approx(10.0)
    assert snapshot.book_updates_per_s == pytest.approx(11.0)
    assert snapshot.updates_per_s == pytest.approx(21.0)
    assert snapshot.rejects_by_reason == {RejectReason.BOOK_CROSSED: 1}
    assert sber.rejects == {RejectReason.BOOK_CROSSED: 1}
    assert sber.book_fill == pytest.approx(0.10)
    assert sber.stale is False and sber.book_age_s == 0.0
    assert snapshot.memory_bytes == engine.memory_bytes > 0
    assert snapshot.to_dict()["rejects_by_reason"] == {"BOOK_CROSSED": 1}
    clock.advance(10 * NS_PER_S)
    later = engine.maybe_publish(clock.now_ns())
    assert later is not None
    assert later.book_updates_per_s == 0.0
    assert set(later.stale_instruments) == {SBER.uid, GAZP.uid}


# -- real data --------------------------------------------------------------------------------------------
def test_every_book_and_trade_of_a_real_recording_is_accepted(shared_data: Path) -> None:
    btc = Instrument(uid="BTCUSDT", ticker="BTCUSDT", tick=Decimal("0.1"), lot=Decimal("0.001"),
                     currency="usdt", kind=InstrumentKind.CRYPTO)
    books = read_books_csv(shared_data / "usdm_btcusdt_20240808_depth20.csv.gz", btc)
    trades = read_trades_csv(shared_data / "usdm_btcusdt_20240808_trades.csv.gz", btc)
    clock = SimulatedClock(0)
    engine = DataEngine(DataConfig(), {btc.uid: btc}, clock)
    for row in range(len(books)):
        book = books.book(row)
        clock.set(book.exchange_ts_ns)
        assert engine.on_book(book), row
    for row in range(len(trades)):
        assert engine.on_trade(trades.trade(row)), row
    assert len(engine.book_history(btc.uid)) == len(books)
    assert np.array_equal(engine.book_history(btc.uid).bid_px, books.bid_px)


# -- soak ----------------------------------------------------------------------------------------------------
def _soak(hours: float, books_per_s: int, trades_per_s: int, budget_mb: int) -> list[int]:
    """Run 12 instruments over simulated time, 8 active at a time (the set rotates every 10 minutes);
    returns the engine's memory at each 1 Hz publication."""
    uids = [f"soak{k}" for k in range(12)]
    instruments = {uid: Instrument(uid=uid, ticker=uid) for uid in uids}
    clock = SimulatedClock(T0)
    engine = DataEngine(DataConfig(max_memory_mb=budget_mb), instruments, clock)
    rng = np.random.default_rng(7)
    pool = []
    for _ in range(32):  # a pool of level arrays; books reuse them with fresh timestamps
        best = 30_000 + int(rng.integers(-50, 50))
        sizes = rng.integers(1, 500, size=(4, 20)).astype(np.int64)
        bid_px = np.arange(best, best - 20, -1, dtype=np.int64)
        ask_px = np.arange(best + 1, best + 21, dtype=np.int64)
        pool.append((bid_px, sizes[0], ask_px, sizes[1]))
    step_ns = NS_PER_S // books_per_s
    memory: list[int] = []
    steps = int(hours * 3600 * books_per_s)
    for step in range(steps):
        now = T0 + step * step_ns
        clock.set(now)
        period = (now - T0) // (600 * NS_PER_S)
        for k in range(8):
            uid = uids[(k + 4 * period) % 12]
            bid_px, bid_qty, ask_px, ask_qty = pool[(step + k) % 32]
            engine.on_book(OrderBook(uid, 20, bid_px, bid_qty, ask_px, ask_qty, now, now))
            if step % max(1, books_per_s // trades_per_s) == 0:
                engine.on_trade(Trade(uid, int(ask_px[0]), 1, Aggressor.BUY, now, now))
        snapshot = engine.maybe_publish(now)
        if snapshot is not None:
            memory.append(snapshot.memory_bytes)
            assert snapshot.rejects_total == 0
    return memory


def _assert_flat_within_budget(memory: list[int], budget_mb: int) -> None:
    budget = budget_mb * BYTES_PER_MB
    assert max(memory) <= budget
    half = len(memory) // 2
    # Saturated at the budget by the first half, and no growth afterwards (beyond the granularity of
    # one block: which mix of book and trade blocks sits under the budget varies).
    one_book_block = BookRing(1_000, 20).block_nbytes
    assert max(memory[half:]) <= max(memory[:half]) + one_book_block
    assert min(memory[half:]) >= budget * 0.8


def test_memory_stays_flat_within_budget_over_an_hour_of_simulated_time() -> None:
    memory = _soak(hours=1.0, books_per_s=1, trades_per_s=1, budget_mb=8)
    assert len(memory) == 3600 - 1
    _assert_flat_within_budget(memory, 8)


@pytest.mark.soak
def test_memory_stays_flat_within_budget_over_an_hour_at_full_stream_rate() -> None:
    psutil = pytest.importorskip("psutil")
    process = psutil.Process()
    rss_start = process.memory_info().rss
    memory = _soak(hours=1.0, books_per_s=10, trades_per_s=5, budget_mb=32)
    _assert_flat_within_budget(memory, 32)
    assert process.memory_info().rss - rss_start < 64 * BYTES_PER_MB
