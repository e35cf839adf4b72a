"""Position sizing (SPEC §1.2): risk a fixed fraction of equity per trade.

``lots = floor(per_trade_risk · equity / (d · lot_units))`` where ``d`` is the stop distance in
price units and ``lot_units`` the money one lot gains or loses per one price unit (lot size ×
point value). The result is capped by ``risk.max_position_lots`` (counting the lots already held
on that side) and by ``risk.max_notional_per_order``. Zero lots means no order.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

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


def ticklots_cap(limit: Decimal, tick_lot_units: Decimal) -> int:
    """The largest ``price_ticks × lots`` whose notional stays within ``limit``:
    ``floor(limit / (tick · lot_units))``, exact. ``x · tick · lot_units > limit`` ⇔ ``x > cap``
    for every whole ``x``, so notional limits become integer comparisons on the decision path."""
    if tick_lot_units <= _ZERO:
        raise ValueError(f"tick × lot units must be positive, got {tick_lot_units}")
    return math.floor(Fraction(limit) / Fraction(tick_lot_units))


def position_size_ticks(
    risk_lots_now: int,
    entry_ticks: int,
    order_cap_ticklots: int,
    max_position_lots: int,
    held_lots: int = 0,
) -> int:
    """:func:`position_size` with the entry price in ticks and its parts precomputed.

    ``risk_lots_now = risk_lots(equity, d, lot_units, per_trade_risk)`` (the engine keeps it until
    the equity or the distance changes) and ``order_cap_ticklots = ticklots_cap(
    max_notional_per_order, tick · lot_units)``; the result equals ``position_size(equity, d,
    lot_units, entry_ticks · tick, cfg, held_lots=held_lots)`` because ``floor(floor(x) / n) =
    floor(x / n)`` for whole ``n > 0``.
    """
    lots = min(risk_lots_now, max_position_lots - abs(held_lots))
    if entry_ticks > 0:
        lots = min(lots, order_cap_ticklots // entry_ticks)
    return max(lots, 0)
