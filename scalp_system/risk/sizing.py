"""Position sizing (SPEC §1.2): risk a fixed fraction of equity per trade.

``lots = floor(per_trade_risk · equity / (d · lot_units))`` where ``d`` is the stop distance in
price units and ``lot_units`` the money one lot gains or loses per one price unit (lot size ×
point value). The result is capped by ``risk.max_position_lots`` (counting the lots already held
on that side) and by ``risk.max_notional_per_order``. Zero lots means no order.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from scalp_system.config import RiskConfig

_ZERO = Decimal(0)


def risk_lots(equity: Decimal, distance: Decimal, lot_units: Decimal, per_trade_risk: Decimal) -> int:
    """``floor(per_trade_risk · equity / (d · lot_units))``; 0 when any input is not positive."""
    if equity <= _ZERO or distance <= _ZERO or lot_units <= _ZERO:
        return 0
    return int((per_trade_risk * equity / (distance * lot_units)).to_integral_value(rounding=ROUND_FLOOR))


def position_size(
    equity: Decimal,
    distance: Decimal,
    lot_units: Decimal,
    price: Decimal,
    cfg: RiskConfig,
    *,
    held_lots: int = 0,
) -> int:
    """Lots for a new entry, after the per-instrument and per-order caps (0 → no order).

    ``held_lots`` is the absolute size already held (plus in flight) on the entry's side; the
    position never grows past ``max_position_lots``. ``price × lot_units`` is one lot's notional.
    """
    lots = risk_lots(equity, distance, lot_units, cfg.per_trade_risk)
    lots = min(lots, cfg.max_position_lots - abs(held_lots))
    lot_notional = price * lot_units
    if lot_notional > _ZERO:
        by_notional = int((cfg.max_notional_per_order / lot_notional).to_integral_value(rounding=ROUND_FLOOR))
        lots = min(lots, by_notional)
    return max(lots, 0)
