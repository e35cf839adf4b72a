"""Position sizing (SPEC §1.2): a fixed fraction of equity at risk, capped per instrument and order."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from scalp_system.config import RiskConfig
from scalp_system.risk.sizing import position_size, risk_lots

CFG = RiskConfig()


def test_lots_are_the_floor_of_risk_budget_over_stop_risk_per_lot() -> None:
    # 0.25 % of 1 000 000 = 2 500 RUB at risk; d = 0.30 RUB × 10 units per lot = 3 RUB per lot → 833.
    assert risk_lots(Decimal("1000000"), Decimal("0.30"), Decimal("10"), CFG.per_trade_risk) == 833


@given(
    st.integers(min_value=1_000, max_value=10**8),
    st.integers(min_value=1, max_value=10_000),
    st.sampled_from(["1", "10", "100", "0.001"]),
)
def test_lots_never_risk_more_than_the_budget(equity: int, d_kopecks: int, lot: str) -> None:
    d = Decimal(d_kopecks) / 100
    lots = risk_lots(Decimal(equity), d, Decimal(lot), CFG.per_trade_risk)
    assert lots * d * Decimal(lot) <= CFG.per_trade_risk * equity
    assert (lots + 1) * d * Decimal(lot) > CFG.per_trade_risk * equity


def test_size_is_capped_by_max_position_lots_counting_what_is_held() -> None:
    cfg = RiskConfig(max_position_lots=10)
    assert position_size(Decimal("1000000"), Decimal("0.01"), Decimal("1"), Decimal("1"), cfg) == 10
    assert (
        position_size(Decimal("1000000"), Decimal("0.01"), Decimal("1"), Decimal("1"), cfg, held_lots=7) == 3
    )


def test_size_is_capped_by_max_notional_per_order() -> None:
    cfg = RiskConfig(max_notional_per_order=Decimal("50000"), max_position_lots=10_000)
    # one lot = 250 RUB × 10 = 2 500 RUB → at most 20 lots per order.
    assert position_size(Decimal("100000000"), Decimal("0.01"), Decimal("10"), Decimal("250"), cfg) == 20


def test_zero_lots_when_the_stop_risk_of_one_lot_exceeds_the_budget() -> None:
    assert position_size(Decimal("10000"), Decimal("50"), Decimal("10"), Decimal("300"), CFG) == 0


def test_zero_lots_when_the_position_is_already_full() -> None:
    assert (
        position_size(Decimal("1000000"), Decimal("0.3"), Decimal("10"), Decimal("300"), CFG, held_lots=100)
        == 0
    )
