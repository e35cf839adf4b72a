"""Inventory hedging (SPEC §1.5): |I| above 0.7 is brought back to 0.3."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from scalp_system.config import HedgeConfig, RiskConfig
from scalp_system.core.orders import Side
from scalp_system.core.state import Denial
from scalp_system.risk.hedging import Exposure, hedge_adjustments, inventory_imbalance
from tests.risk_world import World

GROSS = Decimal("3000000")


def apply(exposures: dict[str, Exposure], adjustments: list) -> dict[str, Exposure]:  # type: ignore[type-arg]
    out = dict(exposures)
    for adj in adjustments:
        e = out[adj.instrument_id]
        out[adj.instrument_id] = Exposure(
            e.instrument_id, e.lots + adj.side.sign * adj.lots, e.price, e.lot_units
        )
    return out


def test_imbalance_is_signed_notional_over_max_gross() -> None:
    exposures = {
        "SBER": Exposure("SBER", 500, Decimal("300"), Decimal("10")),
        "GAZP": Exposure("GAZP", -200, Decimal("150"), Decimal("10")),
    }
    assert inventory_imbalance(exposures, GROSS, HedgeConfig()) == Decimal("1200000") / GROSS


def test_inside_the_threshold_nothing_is_done() -> None:
    exposures = {"SBER": Exposure("SBER", 700, Decimal("300"), Decimal("10"))}  # I = 0.7 exactly
    assert hedge_adjustments(exposures, GROSS, HedgeConfig()) == []


def test_the_hedge_instrument_with_its_beta_brings_the_imbalance_to_the_target() -> None:
    cfg = HedgeConfig(instrument="IMOEXF", beta=Decimal("1.2"))
    exposures = {
        "SBER": Exposure("SBER", 800, Decimal("300"), Decimal("10")),  # 2.4 M → I = 0.8
        "IMOEXF": Exposure("IMOEXF", 0, Decimal("3000"), Decimal("10")),
    }  # 30 000 per lot
    [adj] = hedge_adjustments(exposures, GROSS, cfg)
    assert adj.via_hedge_instrument and adj.side is Side.SELL
    # ΔI per lot = 1.2 × 30 000 / 3 M = 0.012; (0.8 − 0.3) / 0.012 = 41.67 → 42 lots → I = 0.296
    assert adj.lots == 42 and adj.imbalance_after == Decimal("0.296")
    after = inventory_imbalance(apply(exposures, [adj]), GROSS, cfg)
    assert after == adj.imbalance_after


def test_without_a_hedge_instrument_the_largest_contributors_are_reduced() -> None:
    exposures = {
        "SBER": Exposure("SBER", 500, Decimal("300"), Decimal("10")),  # 1.5 M
        "GAZP": Exposure("GAZP", 400, Decimal("150"), Decimal("10")),  # 0.6 M
        "LKOH": Exposure("LKOH", 10, Decimal("7000"), Decimal("1")),  # 0.07 M
        "VTBR": Exposure("VTBR", -10, Decimal("100"), Decimal("10")),
    }  # short: not a contributor
    adjustments = hedge_adjustments(exposures, GROSS, HedgeConfig())
    assert [(a.instrument_id, a.side) for a in adjustments] == [("SBER", Side.SELL)]
    # I = 2.16 M / 3 M = 0.72 → 0.3 needs −1.26 M = 420 SBER lots
    assert adjustments[0].lots == 420
    assert inventory_imbalance(apply(exposures, adjustments), GROSS, HedgeConfig()) == Decimal("0.3")


def test_a_short_imbalance_is_reduced_by_buying() -> None:
    exposures = {
        "SBER": Exposure("SBER", -400, Decimal("300"), Decimal("10")),  # −1.2 M
        "GAZP": Exposure("GAZP", -800, Decimal("150"), Decimal("10")),
    }  # −1.2 M → I = −0.8
    adjustments = hedge_adjustments(exposures, GROSS, HedgeConfig())
    # GAZP first (equal size, name order), fully closed (−0.4), then 100 SBER lots (−0.3)
    assert [(a.instrument_id, a.side, a.lots) for a in adjustments] == [
        ("GAZP", Side.BUY, 800),
        ("SBER", Side.BUY, 100),
    ]
    assert inventory_imbalance(apply(exposures, adjustments), GROSS, HedgeConfig()) == Decimal("-0.3")


@given(
    st.integers(min_value=701, max_value=3_000),
    st.sampled_from([-1, 1]),
    st.integers(min_value=100, max_value=100_000),
)
def test_any_imbalance_above_threshold_lands_within_half_a_lot_of_the_target(
    size_lots: int, direction: int, hedge_lot_value: int
) -> None:
    cfg = HedgeConfig(instrument="FUT", beta=Decimal("0.9"))
    exposures = {
        "A": Exposure("A", direction * size_lots, Decimal("1000"), Decimal("3")),
        "FUT": Exposure("FUT", 0, Decimal(hedge_lot_value), Decimal("1")),
    }
    imbalance = inventory_imbalance(exposures, GROSS, cfg)
    adjustments = hedge_adjustments(exposures, GROSS, cfg)
    if abs(imbalance) <= cfg.threshold:
        assert adjustments == []
        return
    after = inventory_imbalance(apply(exposures, adjustments), GROSS, cfg)
    step = cfg.beta * hedge_lot_value / GROSS
    assert abs(abs(after) - cfg.target) <= step / 2 + Decimal("1e-12") or adjustments[0].lots == 1


def test_the_engine_proposes_a_hedge_and_it_goes_through_the_same_checks() -> None:
    world = World(
        risk=RiskConfig(
            max_gross_notional=Decimal("100000"),
            max_position_lots=1_000,
            max_notional_per_instrument=Decimal("1000000"),
        ),
        hedge=HedgeConfig(instrument="IMOEXF", beta=Decimal("1")),
    )
    world.warm_atr()
    world.book(6_000, 6_001, instrument="IMOEXF")  # 3 000 points × 5 RUB / 0.5 = 30 000 RUB per lot
    world.fill(Side.BUY, 30, "300.00")  # 90 000 RUB at the mid 300.005 → I = 0.900015
    assert world.engine.imbalance() == Decimal("0.900015")
    [adj] = world.engine.hedge_adjustments()
    assert (adj.instrument_id, adj.side, adj.lots) == ("IMOEXF", Side.SELL, 2)  # → 0.900015 − 0.6
    order = world.order(adj.side, adj.lots, 6_000, instrument="IMOEXF", reason="hedge")
    assert world.engine.check_order(order) is None
    world.engine.on_decision_latency(99.0)  # REDUCING: a hedge that opens a position is refused
    again = world.order(adj.side, adj.lots, 6_000, instrument="IMOEXF", reason="hedge")
    assert world.engine.check_order(again) is Denial.STATE_REDUCING_WOULD_OPEN
