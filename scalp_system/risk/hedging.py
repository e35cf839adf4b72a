"""Inventory hedging (SPEC §1.5): keep the book's net direction inside a band.

The inventory imbalance is ``I = Σ signed notional / risk.max_gross_notional`` (the hedge
instrument's notional weighted by its beta). When ``|I| > hedge.threshold`` (0.7) the adjustment
brings ``|I|`` back to ``hedge.target`` (0.3): in the configured hedge instrument with its beta
(e.g. an index future), or, when none is configured or priced, by reducing the largest positions
that contribute to the imbalance. Whole lots only, so the result is the nearest reachable ``|I|``.
The adjustments are order requests: they go through the same checks and routing as any order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from scalp_system.config import HedgeConfig
from scalp_system.core.orders import Side

_ZERO = Decimal(0)
_ONE = Decimal(1)
HEDGE_REASON = "hedge"


@dataclass(frozen=True, slots=True)
class Exposure:
    """One instrument's position as hedging sees it: signed lots, mark price and lot units.

    ``lot_units`` is money per lot per one price unit (lot size × point value).
    """

    instrument_id: str
    lots: int
    price: Decimal
    lot_units: Decimal

    @property
    def notional(self) -> Decimal:
        """Signed money value of the position at its mark."""
        return self.lots * self.price * self.lot_units

    @property
    def lot_notional(self) -> Decimal:
        """Money value of one lot at the mark."""
        return self.price * self.lot_units


@dataclass(frozen=True, slots=True)
class HedgeAdjustment:
    """Trade ``lots`` of ``instrument_id`` on ``side`` to move the imbalance from before to after."""

    instrument_id: str
    side: Side
    lots: int
    imbalance_before: Decimal
    imbalance_after: Decimal
    via_hedge_instrument: bool
    reason: str = HEDGE_REASON


def _weight(instrument_id: str, cfg: HedgeConfig) -> Decimal:
    return cfg.beta if cfg.instrument is not None and instrument_id == cfg.instrument else _ONE


def inventory_imbalance(
    exposures: Mapping[str, Exposure], max_gross_notional: Decimal, cfg: HedgeConfig
) -> Decimal:
    """``I = Σ w_i · signed notional_i / max_gross_notional`` (w = beta for the hedge instrument)."""
    total = sum((_weight(e.instrument_id, cfg) * e.notional for e in exposures.values()), _ZERO)
    return total / max_gross_notional


def _nearest_lots(
    needed_lots: Decimal, step_imbalance: Decimal, imbalance: Decimal, target: Decimal, cap: int
) -> int:
    """Whole lots (1..cap) of a move whose |I| after lands nearest ``target`` (ties: fewer lots)."""
    low = int(needed_lots.to_integral_value(rounding=ROUND_FLOOR))
    best_lots, best_gap = 0, Decimal("Infinity")
    for lots in (low, low + 1):
        lots = max(1, min(lots, cap))
        gap = abs(abs(imbalance + lots * step_imbalance) - target)
        if gap < best_gap:
            best_lots, best_gap = lots, gap
    return best_lots


def hedge_adjustments(
    exposures: Mapping[str, Exposure], max_gross_notional: Decimal, cfg: HedgeConfig
) -> list[HedgeAdjustment]:
    """The adjustments that bring ``|I|`` from above the threshold back to the target; [] when inside.

    ``exposures`` holds every position with its mark, plus the hedge instrument (lots may be 0) when
    it has a price; without it the largest contributing positions are reduced, largest first.
    """
    imbalance = inventory_imbalance(exposures, max_gross_notional, cfg)
    if abs(imbalance) <= cfg.threshold:
        return []
    direction = 1 if imbalance > 0 else -1
    goal = direction * cfg.target
    hedge = exposures.get(cfg.instrument) if cfg.instrument is not None else None
    if hedge is not None and hedge.lot_notional > _ZERO:
        step = cfg.beta * hedge.lot_notional / max_gross_notional  # ΔI per lot bought
        needed = (imbalance - goal) * direction / step
        lots = _nearest_lots(needed, -direction * step, imbalance, cfg.target, cap=10**9)
        side = Side.SELL if direction > 0 else Side.BUY
        after = imbalance - direction * lots * step
        return [HedgeAdjustment(hedge.instrument_id, side, lots, imbalance, after, True)]
    return _reduce_largest(exposures, max_gross_notional, cfg, imbalance, direction)


def _reduce_largest(
    exposures: Mapping[str, Exposure],
    max_gross_notional: Decimal,
    cfg: HedgeConfig,
    imbalance: Decimal,
    direction: int,
) -> list[HedgeAdjustment]:
    contributors = sorted(
        (
            e
            for e in exposures.values()
            if e.lots * direction > 0 and e.lot_notional > _ZERO and e.instrument_id != cfg.instrument
        ),
        key=lambda e: (-abs(e.notional), e.instrument_id),
    )
    goal = direction * cfg.target
    adjustments: list[HedgeAdjustment] = []
    current = imbalance
    for exposure in contributors:
        if (current - goal) * direction <= _ZERO:
            break
        step = exposure.lot_notional / max_gross_notional  # |ΔI| per lot reduced
        needed = (current - goal) * direction / step
        lots = _nearest_lots(needed, -direction * step, current, cfg.target, cap=abs(exposure.lots))
        after = current - direction * lots * step
        side = Side.SELL if exposure.lots > 0 else Side.BUY
        adjustments.append(HedgeAdjustment(exposure.instrument_id, side, lots, current, after, False))
        current = after
    return adjustments
