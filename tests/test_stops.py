"""Stop, target and trailing math against the SPEC §1.1 formulas (relative error ≤ 1e-6).

The expected values are computed independently here with exact fractions; hypothesis generates
entries, ATRs, spreads (including spreads under 0.01 and spreads wider than k_stop·ATR) and ticks.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scalp_system.config import RiskConfig
from scalp_system.core.orders import PositionSide
from scalp_system.risk.stops import (
    PositionState,
    advance_trailing,
    initial_levels,
    open_position_state,
    recalculate_stop,
    stop_distance,
    update_position_state,
    warmup_stop_distance,
)

CFG = RiskConfig()
K_STOP, K_TP, K_TRAIL, FLOOR = (
    Fraction(str(CFG.k_stop)),
    Fraction(str(CFG.k_tp)),
    Fraction(str(CFG.k_trail_on)),
    Fraction(str(CFG.spread_floor)),
)
TICKS = ["0.0001", "0.001", "0.005", "0.01", "0.02", "0.05", "0.1", "0.5", "1", "5", "10"]


def rel_err(actual: Decimal, expected: Fraction) -> float:
    exp = float(expected)
    return abs(float(actual) - exp) / max(abs(exp), 1e-12)


def spec_distance(atr: Fraction, spread: Fraction) -> Fraction:
    return max(K_STOP * atr, max(spread, FLOOR))


def floor_to(x: Fraction, tick: Fraction) -> Fraction:
    return math.floor(x / tick) * tick


def ceil_to(x: Fraction, tick: Fraction) -> Fraction:
    return math.ceil(x / tick) * tick


@st.composite
def market(draw: st.DrawFn) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(tick, entry on tick, atr5, spread) with spreads both under 0.01 and wider than the ATR term."""
    tick = Decimal(draw(st.sampled_from(TICKS)))
    entry = tick * draw(st.integers(min_value=1_000, max_value=5_000_000))
    atr = Decimal(draw(st.integers(min_value=0, max_value=10_000))) * Decimal("0.0001")
    spread = draw(
        st.one_of(
            st.integers(min_value=0, max_value=99).map(lambda n: Decimal(n) * Decimal("0.0001")),  # < 0.01
            st.integers(min_value=1, max_value=2_000).map(lambda n: Decimal(n) * Decimal("0.01")),  # wide
        )
    )
    return tick, entry, atr, spread


@given(market())
def test_stop_distance_is_max_of_k_atr_and_guarded_spread(
    m: tuple[Decimal, Decimal, Decimal, Decimal],
) -> None:
    _, _, atr, spread = m
    d = stop_distance(atr, spread, k_stop=CFG.k_stop, spread_floor=CFG.spread_floor)
    assert rel_err(d, spec_distance(Fraction(str(atr)), Fraction(str(spread)))) <= 1e-6


def test_a_spread_under_one_kopeck_is_floored_at_0_01() -> None:
    d = stop_distance(Decimal("0.001"), Decimal("0.004"), k_stop=CFG.k_stop, spread_floor=CFG.spread_floor)
    assert d == Decimal("0.01")


def test_a_wide_spread_dominates_a_small_atr() -> None:
    d = stop_distance(Decimal("0.10"), Decimal("0.80"), k_stop=CFG.k_stop, spread_floor=CFG.spread_floor)
    assert d == Decimal("0.80")


def test_atr_given_as_float_is_used_at_its_shortest_repr() -> None:
    d = stop_distance(0.1, Decimal("0"), k_stop=CFG.k_stop, spread_floor=CFG.spread_floor)
    assert d == Decimal("0.15")


@settings(max_examples=300)
@given(market(), st.sampled_from([PositionSide.LONG, PositionSide.SHORT]))
def test_initial_levels_match_the_spec_with_safe_tick_rounding(
    m: tuple[Decimal, Decimal, Decimal, Decimal], side: PositionSide
) -> None:
    tick, entry, atr, spread = m
    stop, target = initial_levels(entry, side, atr, spread, tick, CFG)
    t, e = Fraction(str(tick)), Fraction(str(entry))
    d = spec_distance(Fraction(str(atr)), Fraction(str(spread)))
    if side is PositionSide.LONG:
        expected_stop, expected_target = floor_to(e - d, t), floor_to(e + K_TP * d, t)
    else:
        expected_stop, expected_target = ceil_to(e + d, t), ceil_to(e - K_TP * d, t)
    if expected_target == e:  # k_tp·d under one tick: the target stays one tick out (documented guard)
        expected_target = e + side.sign * t
    assert rel_err(stop, expected_stop) <= 1e-6
    assert rel_err(target, expected_target) <= 1e-6
    assert abs(Fraction(str(stop)) - e) >= d, "the stop distance never shrinks below d"
    assert abs(Fraction(str(stop)) - e) < d + t
    assert abs(Fraction(str(target)) - e) <= max(K_TP * d, t), "the target is rounded toward the entry"
    assert Fraction(str(stop)) % t == 0 and Fraction(str(target)) % t == 0


def test_long_stop_rounds_down_and_target_rounds_down_on_a_coarse_tick() -> None:
    stop, target = initial_levels(
        Decimal("100.00"), "long", Decimal("0.07"), Decimal("0.05"), Decimal("0.05"), CFG
    )
    assert (stop, target) == (Decimal("99.85"), Decimal("100.20"))  # d = 0.105: 99.895 ↓, 100.21 ↓


def test_short_stop_rounds_up_and_target_rounds_up_on_a_coarse_tick() -> None:
    stop, target = initial_levels(
        Decimal("100.00"), "short", Decimal("0.07"), Decimal("0.05"), Decimal("0.05"), CFG
    )
    assert (stop, target) == (Decimal("100.15"), Decimal("99.80"))


def test_warmup_distance_uses_the_95th_percentile_spread_in_ticks() -> None:
    d = warmup_stop_distance(
        4, Decimal("0.01"), Decimal("0.02"), k_stop=CFG.k_stop, spread_floor=CFG.spread_floor
    )
    assert d == Decimal("0.06")
    stop, _ = initial_levels(
        Decimal("50"), "long", None, Decimal("0.02"), Decimal("0.01"), CFG, spread_ticks_p95=4
    )
    assert stop == Decimal("49.94")


def test_warmup_distance_keeps_the_spread_floor() -> None:
    d = warmup_stop_distance(
        1, Decimal("0.001"), Decimal("0.002"), k_stop=CFG.k_stop, spread_floor=CFG.spread_floor
    )
    assert d == Decimal("0.01")


@settings(max_examples=200)
@given(
    market(),
    st.lists(st.integers(min_value=0, max_value=5_000), min_size=1, max_size=8),
    st.sampled_from([PositionSide.LONG, PositionSide.SHORT]),
)
def test_a_recalculated_stop_never_loosens(
    m: tuple[Decimal, Decimal, Decimal, Decimal], atrs: list[int], side: PositionSide
) -> None:
    tick, entry, atr, spread = m
    state = open_position_state(entry, side, atr, spread, tick, CFG)
    for raw in atrs:
        new_atr = Decimal(raw) * Decimal("0.0001")
        new_stop = recalculate_stop(state, new_atr, spread, entry, tick, CFG)
        d_new = Fraction(
            str(stop_distance(new_atr, spread, k_stop=CFG.k_stop, spread_floor=CFG.spread_floor))
        )
        e, t = Fraction(str(entry)), Fraction(str(tick))
        if side is PositionSide.LONG:
            expected = max(Fraction(str(state.stop)), floor_to(e - d_new, t))
            assert new_stop >= state.stop
        else:
            expected = min(Fraction(str(state.stop)), ceil_to(e + d_new, t))
            assert new_stop <= state.stop
        assert rel_err(new_stop, expected) <= 1e-6
        state = update_position_state(state, new_atr, spread, entry, tick, CFG)


def test_recalculation_starts_from_the_average_entry_not_the_last_price() -> None:
    state = PositionState(PositionSide.LONG, Decimal("100"), Decimal("99.00"), Decimal("102"), Decimal("100"))
    # d = 1.5 × 0.2 = 0.30; the last price 100.20 is below the trailing activation (E + d), so the
    # stop is E − d = 99.70 (from the last price it would have been 99.90).
    stop = recalculate_stop(state, Decimal("0.2"), Decimal("0.01"), Decimal("100.20"), Decimal("0.01"), CFG)
    assert stop == Decimal("99.70")


def test_trailing_does_not_start_before_the_activation_excursion() -> None:
    state = open_position_state(Decimal("100"), "long", Decimal("0.2"), Decimal("0.01"), Decimal("0.01"), CFG)
    moved = update_position_state(
        state, Decimal("0.2"), Decimal("0.01"), Decimal("100.29"), Decimal("0.01"), CFG
    )
    assert not moved.trailing_active and moved.stop == Decimal("99.70")


def test_trailing_starts_at_k_trail_on_times_d_and_follows_the_best_price() -> None:
    state = open_position_state(Decimal("100"), "long", Decimal("0.2"), Decimal("0.01"), Decimal("0.01"), CFG)
    at_trigger = update_position_state(
        state, Decimal("0.2"), Decimal("0.01"), Decimal("100.30"), Decimal("0.01"), CFG
    )
    assert at_trigger.trailing_active and at_trigger.stop == Decimal("100.00")  # best − d = 100.30 − 0.30
    higher = update_position_state(
        at_trigger, Decimal("0.2"), Decimal("0.01"), Decimal("100.75"), Decimal("0.01"), CFG
    )
    assert higher.stop == Decimal("100.45") and higher.best_price == Decimal("100.75")
    pullback = update_position_state(
        higher, Decimal("0.2"), Decimal("0.01"), Decimal("100.50"), Decimal("0.01"), CFG
    )
    assert pullback.stop == Decimal("100.45"), "a pullback never loosens the trailing stop"


def test_short_trailing_mirrors_the_long_rule() -> None:
    state = open_position_state(
        Decimal("100"), "short", Decimal("0.2"), Decimal("0.01"), Decimal("0.01"), CFG
    )
    assert state.stop == Decimal("100.30")
    moved = update_position_state(
        state, Decimal("0.2"), Decimal("0.01"), Decimal("99.50"), Decimal("0.01"), CFG
    )
    assert moved.trailing_active and moved.stop == Decimal("99.80")


@settings(max_examples=200)
@given(
    market(),
    st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=20),
    st.sampled_from([PositionSide.LONG, PositionSide.SHORT]),
)
def test_trailing_between_bars_matches_the_formula(
    m: tuple[Decimal, Decimal, Decimal, Decimal], moves: list[int], side: PositionSide
) -> None:
    tick, entry, atr, spread = m
    state = open_position_state(entry, side, atr, spread, tick, CFG)
    d, e, t = Fraction(str(state.distance)), Fraction(str(entry)), Fraction(str(tick))
    stop, best, trailing = Fraction(str(state.stop)), e, False
    for move in moves:
        price = entry + move * tick
        state = advance_trailing(state, price, tick, CFG)
        p = Fraction(str(price))
        best = max(best, p) if side is PositionSide.LONG else min(best, p)
        trailing = trailing or (best - e) * side.sign >= K_TRAIL * d
        if trailing:
            stop = (
                max(stop, floor_to(best - d, t))
                if side is PositionSide.LONG
                else min(stop, ceil_to(best + d, t))
            )
        assert rel_err(state.stop, stop) <= 1e-6
        assert state.trailing_active is trailing
