"""The risk engine's integer fast paths decide exactly as the Decimal formulas of SPEC §1.1–§1.2, §1.7.

Entries priced from the book use whole ticks and per-distance constants; notional limits compare
whole tick·lots. These tests hold them to the Decimal reference functions over random inputs.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scalp_system.config import RiskConfig
from scalp_system.core.orders import PositionSide, Side
from scalp_system.core.state import Denial
from scalp_system.risk.checks import check_cash, check_exposure
from scalp_system.risk.sizing import position_size, position_size_ticks, risk_lots, ticklots_cap
from scalp_system.risk.stops import level_offsets_ticks, stop_price, target_price
from tests.risk_world import World

TICKS = st.sampled_from([Decimal("0.01"), Decimal("0.005"), Decimal("0.5"), Decimal("0.0001"), Decimal("1")])
LOT_UNITS = st.sampled_from([Decimal("1"), Decimal("10"), Decimal("100"), Decimal("0.001"), Decimal("50")])


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=5_000),
    TICKS,
    LOT_UNITS,
    st.integers(min_value=1, max_value=10**7),
    st.integers(min_value=0, max_value=150),
)
def test_integer_sizing_equals_the_decimal_formula(
    equity: int, distance_tenths: int, tick: Decimal, lot_units: Decimal, entry_ticks: int, held: int
) -> None:
    cfg = RiskConfig()
    distance = Decimal(distance_tenths) * tick / 10
    expected = position_size(Decimal(equity), distance, lot_units, entry_ticks * tick, cfg, held_lots=held)
    got = position_size_ticks(
        risk_lots(Decimal(equity), distance, lot_units, cfg.per_trade_risk),
        entry_ticks,
        ticklots_cap(cfg.max_notional_per_order, tick * lot_units),
        cfg.max_position_lots,
        held,
    )
    assert got == expected


@given(
    st.integers(min_value=1, max_value=10**12), TICKS, LOT_UNITS, st.integers(min_value=0, max_value=10**9)
)
def test_a_ticklots_cap_is_exactly_the_notional_limit(
    limit: int, tick: Decimal, lot_units: Decimal, ticklots: int
) -> None:
    cap = ticklots_cap(Decimal(limit), tick * lot_units)
    assert (ticklots * tick * lot_units > limit) == (ticklots > cap)


@given(
    st.integers(min_value=1, max_value=10**7),
    st.integers(min_value=1, max_value=10_000),
    TICKS,
    st.sampled_from([Decimal("2.0"), Decimal("1.5"), Decimal("0.3"), Decimal("3")]),
    st.sampled_from(list(PositionSide)),
)
def test_tick_offsets_reproduce_stop_and_target_prices(
    entry_ticks: int, distance_hundredths: int, tick: Decimal, k_tp: Decimal, side: PositionSide
) -> None:
    distance = Decimal(distance_hundredths) * tick / 100
    entry = entry_ticks * tick
    stop_ticks, target_ticks = level_offsets_ticks(distance, tick, k_tp)
    assert (entry_ticks - side.sign * stop_ticks) * tick == stop_price(entry, side, distance, tick)
    assert (entry_ticks + side.sign * target_ticks) * tick == target_price(entry, side, distance, tick, k_tp)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=1, max_value=6),
    st.sampled_from(["1000000", "25000", "400", "123456.78"]),
    st.integers(min_value=-30, max_value=30),
    st.sampled_from(list(PositionSide)),
)
def test_a_book_priced_entry_equals_the_decimal_path(
    range_ticks: int, spread: int, equity: str, held: int, side: PositionSide
) -> None:
    world = World()
    world.engine.start_day(Decimal(equity), cash=Decimal(equity))
    world.warm_atr(range_ticks=range_ticks)
    if held:
        world.fill(Side.BUY if held > 0 else Side.SELL, abs(held), "300.00")
    world.book(30_000, 30_000 + spread)
    fast = world.engine.evaluate_entry("SBER", side)
    entry = Decimal(30_000 + spread if side is PositionSide.LONG else 30_000) / 100
    exact = world.engine.evaluate_entry("SBER", side, entry_price=entry)  # the Decimal path
    assert (fast.lots, fast.entry_price, fast.distance, fast.stop, fast.target, fast.denial) == (
        exact.lots,
        exact.entry_price,
        exact.distance,
        exact.stop,
        exact.target,
        exact.denial,
    )


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=120),
    st.integers(min_value=29_000, max_value=31_000),
    st.integers(min_value=-40, max_value=40),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.sampled_from(["40000", "1000000"]),
    st.sampled_from(["65000", "3000000"]),
    st.sampled_from(["900", "1000000"]),
)
def test_exposure_denials_equal_the_decimal_checks(
    lots: int, price_ticks: int, held: int, side: Side, per_instrument: str, gross: str, cash: str
) -> None:
    cfg = RiskConfig(
        max_notional_per_instrument=Decimal(per_instrument),
        max_gross_notional=Decimal(gross),
        max_open_orders=10,
    )
    world = World(risk=cfg)
    world.warm_atr(instrument="GAZP")
    world.warm_atr()  # last: SBER's book is the fresh one
    world.fill(Side.BUY, 10, "300.00", instrument="GAZP")  # another instrument's notional counts as gross
    if held:
        world.fill(Side.BUY if held > 0 else Side.SELL, abs(held), "300.00")
    world.engine.set_cash(Decimal(cash))
    engine = world.engine
    before = engine.position_lots("SBER")
    if before * side.sign < 0:
        return  # a reducing order skips the exposure checks
    after = before + side.sign * lots
    price = price_ticks * Decimal("0.01")
    order_notional = price * lots * 10
    others = abs(Decimal(10) * engine.portfolio.marks["GAZP"] * 10)
    expected = check_exposure(
        order_notional=order_notional,
        instrument_notional_after=abs(after) * price * 10,
        gross_notional_after=others + abs(after) * price * 10,
        position_lots_after=after,
        max_position_lots=cfg.max_position_lots,
        max_notional_per_order=cfg.max_notional_per_order,
        max_notional_per_instrument=cfg.max_notional_per_instrument,
        max_gross_notional=cfg.max_gross_notional,
    )
    if after < 0 and after < before:
        expected = Denial.SHORT_NOT_ENABLED  # SBER is not shortable; checked before the limits
    if expected is None and side is Side.BUY:
        expected = check_cash(order_notional, engine.portfolio.cash)
    assert engine.check_order(world.order(side, lots, price_ticks)) is expected
