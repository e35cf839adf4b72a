"""AtrTracker.on_prices: many events at once leave the tracker exactly as feeding them one by one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scalp_system.features.atr import AtrTracker

NS = 1_000_000_000


def _stream(seed: int, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ts = np.cumsum(rng.integers(0, 40 * NS, count)).astype(np.int64) + 1_700_000_000 * NS
    prices = 1000.0 + np.cumsum(rng.normal(0, 2, count))
    return prices, ts, rng.random(count) < 0.6


def _one_by_one(tracker: AtrTracker, prices: np.ndarray, ts: np.ndarray, trades: np.ndarray) -> None:
    for price, at, is_trade in zip(prices.tolist(), ts.tolist(), trades.tolist(), strict=True):
        if is_trade:
            tracker.on_trade(price, at)
        else:
            tracker.on_mid(price, at)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(0, 300), cut=st.integers(0, 300))
def test_bulk_feed_leaves_the_same_state_as_one_by_one(seed: int, count: int, cut: int) -> None:
    prices, ts, trades = _stream(seed, count)
    cut = min(cut, count)
    reference, bulk = AtrTracker(60, 5), AtrTracker(60, 5)
    _one_by_one(reference, prices, ts, trades)
    _one_by_one(bulk, prices[:cut], ts[:cut], trades[:cut])  # a stretch event by event, then bulk
    bulk.on_prices(prices[cut:], ts[cut:], trades[cut:])
    assert bulk.snapshot() == reference.snapshot()


def test_bulk_feed_counts_late_events_like_one_by_one() -> None:
    prices = np.array([10.0, 11.0, 9.0, 12.0])
    ts = np.array([120 * NS, 130 * NS, 200 * NS, 250 * NS], dtype=np.int64)
    trades = np.array([True, False, True, True])
    reference, bulk = AtrTracker(60, 5), AtrTracker(60, 5)
    for tracker in (reference, bulk):
        tracker.on_trade(50.0, 300 * NS)
        tracker.advance_to(400 * NS)  # bar 5 complete: everything above is late
    _one_by_one(reference, prices, ts, trades)
    bulk.on_prices(prices, ts, trades)
    assert bulk.late_events == reference.late_events == 4
    assert bulk.snapshot() == reference.snapshot()


def test_bulk_feed_out_of_order_falls_back_to_the_exact_path() -> None:
    prices = np.array([10.0, 11.0, 9.0])
    ts = np.array([200 * NS, 100 * NS, 260 * NS], dtype=np.int64)
    trades = np.array([True, True, False])
    reference, bulk = AtrTracker(60, 5), AtrTracker(60, 5)
    _one_by_one(reference, prices, ts, trades)
    bulk.on_prices(prices, ts, trades)
    assert bulk.snapshot() == reference.snapshot()
