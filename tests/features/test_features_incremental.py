"""The incremental engine: hand-checked values, reset, snapshot/restore, refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalp_system.config import FeaturesConfig
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.features import FeatureEngine, FeatureSchemaMismatch
from scalp_system.features.testing import replay, synthetic_market

T0 = 1_723_161_600_000_000_000
SMALL = FeaturesConfig(ofi_windows=(1,), trade_windows_s=(10.0,), vwap_window_s=10.0)


def book(bids: list[tuple[int, int]], asks: list[tuple[int, int]], ts: int, depth: int = 3) -> OrderBook:
    return OrderBook.build("X", bids, asks, ts, depth=depth)


def trade(price: int, lots: int, side: Aggressor, ts: int) -> Trade:
    return Trade("X", price, lots, side, ts, ts)


FIRST = book([(100, 5), (99, 3), (97, 2)], [(101, 1), (102, 4), (104, 10)], T0)
# the best ask (101) is taken out, bid 1 grows, a new bid appears at 98
SECOND = book([(100, 7), (99, 3), (98, 1)], [(102, 4), (103, 2), (104, 10)], T0 + 2_000_000_000)


def values(engine: FeatureEngine, vector: np.ndarray) -> dict[str, float]:
    return dict(zip(engine.names, vector.tolist(), strict=True))


def test_book_features_of_a_single_book_match_their_formulas() -> None:
    engine = FeatureEngine(SMALL, 3, 0.5)
    v = values(engine, engine.on_book(FIRST))
    assert v["mid_price"] == 50.25  # 100.5 ticks · 0.5
    assert v["spread_ticks"] == 1.0
    assert v["spread_bps"] == pytest.approx(1 / 100.5 * 1e4, rel=1e-15)
    assert v["microprice_offset_ticks"] == pytest.approx(1 * (5 - 1) / (2 * 6), rel=1e-15)
    assert v["depth_imbalance_1"] == pytest.approx((5 - 1) / 6, rel=1e-15)
    assert v["depth_imbalance_3"] == pytest.approx((10 - 15) / 25, rel=1e-15)
    assert v["book_slope_bid"] == 10 / 4  # 10 lots over 100 − 97 + 1 ticks
    assert v["book_slope_ask"] == 15 / 4
    assert v["cum_depth_ratio_bid_1"] == 0.5
    assert v["cum_depth_ratio_ask_1"] == pytest.approx(1 / 15, rel=1e-15)


def test_the_first_book_has_no_flow_no_return_no_volatility_and_zero_z_scores() -> None:
    engine = FeatureEngine(SMALL, 3, 0.5)
    v = values(engine, engine.on_book(FIRST))
    for name, value in v.items():
        if name.startswith(("ofi_", "return_", "realized_vol_", "z", "signed_volume", "trade_")):
            assert value == 0.0, name
    assert v["atr_ticks"] == 0.0
    assert v["time_since_last_trade_s_cap60"] == 60.0


def test_multi_level_order_flow_imbalance_follows_cont_et_al() -> None:
    engine = FeatureEngine(SMALL, 3, 0.5)
    engine.on_book(FIRST)
    v = values(engine, engine.on_book(SECOND))
    # level 1: bid same price 7 − 5 = 2; ask moved up: −(−1) → 3
    # level 2: bid 3 − 3 = 0; ask moved up (102 → 103): +4
    # level 3: bid improved (97 → 98): +1; ask 10 − 10 = 0     → levels 1..3: 8
    assert v["ofi_l1_w1"] == 3 / (7 + 4)
    assert v["ofi_l3_w1"] == 8 / (11 + 16)


def test_trade_windows_vwap_and_trade_age() -> None:
    engine = FeatureEngine(SMALL, 3, 0.5)
    engine.on_book(FIRST)
    engine.on_trade(trade(101, 3, Aggressor.BUY, T0 + 100_000_000))
    engine.on_trade(trade(100, 2, Aggressor.SELL, T0 + 200_000_000))
    engine.on_trade(trade(100, 1, Aggressor.UNSPECIFIED, T0 + 500_000_000))
    v = values(engine, engine.on_book(SECOND))
    assert v["signed_volume_10s"] == 1.0  # +3 − 2, unspecified counts for neither side
    assert v["trade_intensity_10s"] == 0.3  # three trades over 10 s
    assert v["trade_imbalance_10s"] == 1 / 6
    assert v["vwap_deviation_10s_ticks"] == 101 - 603 / 6  # mid 101 − VWAP 100.5
    assert v["time_since_last_trade_s_cap60"] == 1.5


def test_trades_leave_the_window_once_it_has_passed() -> None:
    engine = FeatureEngine(SMALL, 3, 0.5)
    engine.on_trade(trade(101, 3, Aggressor.BUY, T0))
    v = values(engine, engine.on_book(book([(100, 5)], [(101, 1)], T0 + 10_000_000_000)))
    assert v["signed_volume_10s"] == 0.0  # the window is (t − 10 s, t]
    assert v["time_since_last_trade_s_cap60"] == 10.0


def test_a_constant_input_gives_a_zero_z_score_not_a_division_by_zero() -> None:
    engine = FeatureEngine(SMALL, 3, 0.5)
    for i in range(200):
        v = values(
            engine,
            engine.on_book(
                book([(100, 5), (99, 3), (97, 2)], [(101, 1), (102, 4), (104, 10)], T0 + i * 1_000_000)
            ),
        )
    z_spread = [value for name, value in v.items() if name.startswith("z") and name.endswith("_spread_ticks")]
    assert z_spread and all(abs(z) < 1e-9 for z in z_spread)


def test_every_output_is_finite_and_as_long_as_the_names() -> None:
    books, trades = synthetic_market(11, n_books=400)
    engine = FeatureEngine(FeaturesConfig(), 20, 1)
    rows = replay(engine, books, trades)
    assert rows.shape == (400, len(engine.names))
    assert np.isfinite(rows).all()


def test_a_one_sided_book_is_refused() -> None:
    engine = FeatureEngine(SMALL, 3, 0.5)
    with pytest.raises(ValueError, match="two-sided"):
        engine.on_book(book([(100, 5)], [], T0))


def test_reset_makes_the_engine_behave_like_a_fresh_one() -> None:
    books, trades = synthetic_market(12, n_books=600)
    used = FeatureEngine(FeaturesConfig(), 20, 1)
    replay(used, books.slice(0, 300), trades)
    used.reset()
    assert used.books_seen == 0
    assert np.array_equal(
        replay(used, books, trades), replay(FeatureEngine(FeaturesConfig(), 20, 1), books, trades)
    )


def test_snapshot_restore_through_json_gives_identical_subsequent_output() -> None:
    books, trades = synthetic_market(13, n_books=1200)
    cut = 700
    cut_ts = int(books.exchange_ts_ns[cut - 1])
    early = trades.exchange_ts_ns <= cut_ts
    head = type(trades)(
        trades.instrument_id,
        *(
            a[early]
            for a in (
                trades.exchange_ts_ns,
                trades.local_ts_ns,
                trades.price_ticks,
                trades.lots,
                trades.aggressor,
            )
        ),
    )
    tail = type(trades)(
        trades.instrument_id,
        *(
            a[~early]
            for a in (
                trades.exchange_ts_ns,
                trades.local_ts_ns,
                trades.price_ticks,
                trades.lots,
                trades.aggressor,
            )
        ),
    )
    straight = replay(FeatureEngine(FeaturesConfig(), 20, 1), books, trades)
    before = FeatureEngine(FeaturesConfig(), 20, 1)
    replay(before, books.slice(0, cut), head)
    checkpoint = json.dumps(before.snapshot())
    after = FeatureEngine(FeaturesConfig(), 20, 1)
    after.restore(json.loads(checkpoint))
    assert np.array_equal(replay(after, books.slice(cut, len(books)), tail), straight[cut:])


def test_restore_refuses_a_snapshot_of_another_vector() -> None:
    snapshot = FeatureEngine(FeaturesConfig(), 20, 1).snapshot()
    with pytest.raises(FeatureSchemaMismatch, match="lob_levels"):
        FeatureEngine(FeaturesConfig(), 10, 1).restore(snapshot)


def test_restore_refuses_a_snapshot_of_another_tick() -> None:
    snapshot = FeatureEngine(FeaturesConfig(), 20, 1).snapshot()
    with pytest.raises(ValueError, match="tick"):
        FeatureEngine(FeaturesConfig(), 20, 0.5).restore(snapshot)


def test_books_deeper_than_the_vector_are_truncated() -> None:
    deep = book([(100 - i, 1 + i) for i in range(10)], [(101 + i, 2) for i in range(10)], T0, depth=10)
    shallow = book([(100 - i, 1 + i) for i in range(3)], [(101 + i, 2) for i in range(3)], T0, depth=3)
    assert np.array_equal(
        FeatureEngine(SMALL, 3, 1).on_book(deep), FeatureEngine(SMALL, 3, 1).on_book(shallow)
    )
