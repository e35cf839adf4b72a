"""ATR5 (SPEC §1.1): Wilder's ATR over completed bars of trades (mids when a bar has none)."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from scalp_system.features.atr import AtrTracker, atr_at

MINUTE = 60_000_000_000
T0 = 1_723_161_600_000_000_000  # a minute boundary


def at(bar: int, second: int) -> int:
    return T0 + bar * MINUTE + second * 1_000_000_000


# Hand-computed example (period 5, 60 s bars), prices in any unit:
#   bar  trades                 H      L      C      TR = max(H−L, |H−Cp|, |L−Cp|)
#   0    100 102 99 101         102    99     101    3      (first bar: H − L)
#   1    103 105 102            105    102    102    4      (|105 − 101|)
#   2    98 100                 100    98     100    4      (|98 − 102|)
#   3    100 101 100.5          101    100    100.5  1
#   4    103 104                104    103    104    3.5    (|104 − 100.5|)      ATR = 15.5 / 5 = 3.1
#   5    104 102                104    102    102    2      ATR = (3.1·4 + 2) / 5 = 2.88
#   6    (no trade) mids 101.5 103  103  101.5  103    1.5    ATR = (2.88·4 + 1.5) / 5 = 2.604
HAND_TRADES = {
    0: [100, 102, 99, 101],
    1: [103, 105, 102],
    2: [98, 100],
    3: [100, 101, 100.5],
    4: [103, 104],
    5: [104, 102],
}
HAND_MIDS = {1: [200.0], 6: [101.5, 103.0]}  # the 200 mid in bar 1 must be ignored: that bar has trades
HAND_ATR_AFTER = {5: 3.1, 6: 2.88, 7: 2.604}  # completed bars → ATR


def feed_hand_example(tracker: AtrTracker, through_bar: int) -> None:
    for bar in range(through_bar + 1):
        for i, price in enumerate(HAND_TRADES.get(bar, [])):
            tracker.on_trade(price, at(bar, 10 + i))
        for i, mid in enumerate(HAND_MIDS.get(bar, [])):
            tracker.on_mid(mid, at(bar, 30 + i))


def test_atr_matches_the_hand_computed_wilder_example() -> None:
    tracker = AtrTracker(60, 5)
    feed_hand_example(tracker, 6)
    tracker.on_mid(103.0, at(7, 0))  # the first event of bar 7 completes bar 6
    assert tracker.completed_bars == 7
    assert tracker.value() == pytest.approx(2.604, rel=1e-12)


@pytest.mark.parametrize(("completed", "expected"), sorted(HAND_ATR_AFTER.items()))
def test_atr_is_seeded_with_the_mean_of_the_first_period_true_ranges_then_smoothed(
    completed: int,
    expected: float,
) -> None:
    tracker = AtrTracker(60, 5)
    feed_hand_example(tracker, completed - 1)
    tracker.advance_to(at(completed, 0))
    assert tracker.completed_bars == completed
    assert tracker.value() == pytest.approx(expected, rel=1e-12)


def test_atr_is_none_before_period_completed_bars() -> None:
    tracker = AtrTracker(60, 5)
    feed_hand_example(tracker, 4)  # bars 0..4 seen, bar 4 still open
    assert tracker.completed_bars == 4
    assert tracker.value() is None


def test_the_open_bar_never_counts_until_a_later_bar_starts() -> None:
    tracker = AtrTracker(60, 5)
    feed_hand_example(tracker, 5)
    tracker.on_trade(500, at(5, 59))  # a huge print in the still-open bar 5
    assert tracker.value() == pytest.approx(3.1, rel=1e-12)


def test_a_bar_without_trades_is_built_from_mids() -> None:
    tracker = AtrTracker(60, 1)
    tracker.on_mid(10.0, at(0, 1))
    tracker.on_mid(12.0, at(0, 2))
    tracker.on_mid(11.0, at(0, 3))
    tracker.advance_to(at(1, 0))
    assert tracker.value() == 2.0


def test_an_interval_without_any_event_makes_no_bar_and_the_gap_shows_in_the_next_true_range() -> None:
    tracker = AtrTracker(60, 1)
    tracker.on_trade(100, at(0, 1))
    tracker.on_trade(110, at(3, 1))  # bars 1 and 2 silent
    tracker.advance_to(at(4, 0))
    assert tracker.completed_bars == 2
    assert tracker.value() == 10.0  # |110 − 100|: the previous close is the last bar that existed


def test_a_late_event_for_a_completed_bar_is_ignored_and_counted() -> None:
    tracker = AtrTracker(60, 1)
    tracker.on_trade(100, at(0, 1))
    tracker.on_trade(101, at(1, 1))
    tracker.on_trade(50, at(0, 59))
    assert tracker.late_events == 1
    tracker.advance_to(at(2, 0))
    assert tracker.value() == 1.0


def test_decimal_prices_are_accepted() -> None:
    tracker = AtrTracker(60, 1)
    tracker.on_trade(Decimal("100.5"), at(0, 1))
    tracker.on_trade(Decimal("101.25"), at(0, 2))
    tracker.advance_to(at(1, 0))
    assert tracker.value() == 0.75


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="bar_s"):
        AtrTracker(0, 5)


def test_snapshot_restore_continues_identically() -> None:
    first, second = AtrTracker(60, 5), AtrTracker(60, 5)
    feed_hand_example(first, 3)
    second.restore(json.loads(json.dumps(first.snapshot())))
    for tracker in (first, second):
        for bar in (4, 5):
            for i, price in enumerate(HAND_TRADES[bar]):
                tracker.on_trade(price, at(bar, 10 + i))
        tracker.advance_to(at(6, 0))
    assert first.value() == second.value() == pytest.approx(2.88, rel=1e-12)


def test_restore_refuses_another_period() -> None:
    with pytest.raises(ValueError, match="period"):
        AtrTracker(60, 3).restore(AtrTracker(60, 5).snapshot())


def test_batch_atr_equals_the_hand_example() -> None:
    trade_ts = [at(b, 10 + i) for b, prices in sorted(HAND_TRADES.items()) for i in range(len(prices))]
    trade_px = [p for _, prices in sorted(HAND_TRADES.items()) for p in prices]
    mid_ts = [at(b, 30 + i) for b, mids in sorted(HAND_MIDS.items()) for i in range(len(mids))] + [at(7, 0)]
    mid_px = [m for _, mids in sorted(HAND_MIDS.items()) for m in mids] + [103.0]
    query = np.array([at(4, 59), at(5, 0), at(6, 0), at(7, 0)], dtype=np.int64)
    values = atr_at(
        query, np.array(trade_ts), np.array(trade_px, dtype=float), np.array(mid_ts), np.array(mid_px), 60, 5
    )
    assert np.isnan(values[0])
    assert values[1:] == pytest.approx([3.1, 2.88, 2.604], rel=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_atr_equals_the_tracker_after_every_mid_of_a_random_stream(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 4000
    ts = np.sort(T0 + rng.integers(0, 40 * 600, n) * 100_000_000)  # a 100 ms grid: many equal stamps
    is_trade = rng.random(n) < np.where((ts // MINUTE) % 3 == 0, 0.0, 0.4)  # every third minute has no trade
    price = 1000.0 + np.cumsum(rng.integers(-3, 4, n)) * 0.5
    order = np.lexsort((~is_trade, ts))  # trades first at equal times, as merge_events
    ts, is_trade, price = ts[order], is_trade[order], price[order]
    tracker = AtrTracker(60, 5)
    expected = []
    for t, trade, p in zip(ts.tolist(), is_trade.tolist(), price.tolist(), strict=True):
        if trade:
            tracker.on_trade(p, t)
        else:
            tracker.on_mid(p, t)
            value = tracker.value()
            expected.append(np.nan if value is None else value)
    mids = ~is_trade
    got = atr_at(ts[mids], ts[is_trade], price[is_trade], ts[mids], price[mids], 60, 5)
    assert np.array_equal(got, np.array(expected), equal_nan=True)
    assert np.isfinite(got).sum() > 0.8 * len(got)
