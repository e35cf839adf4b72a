"""Stop-loss, take-profit and trailing-stop math (SPEC §1.1).

Pure functions on Decimal prices; no state, no I/O. The RiskEngine calls these, and so do the
tests, so there is exactly one implementation of each formula: the stop distance
``d = max(k_stop·ATR5, max(spread, spread_floor))``, the initial levels rounded to the tick in the
safe direction, the never-loosening recalculation from the average entry price, trailing after
the activation excursion, and the warm-up distance used before ATR5 has its first 5 bars.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from scalp_system.config import RiskConfig
from scalp_system.core.orders import PositionSide

_ZERO = Decimal(0)


def as_decimal(value: Decimal | float | int) -> Decimal:
    """A Decimal from a Decimal, int or float (floats via their shortest repr, never binary noise)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


def spread_floor_guard(spread: Decimal, spread_floor: Decimal) -> Decimal:
    """``max(spread, spread_floor)``: the hard floor under every derived distance (SPEC §1.1)."""
    return spread if spread > spread_floor else spread_floor


def stop_distance(
    atr5: Decimal | float, spread: Decimal, *, k_stop: Decimal, spread_floor: Decimal
) -> Decimal:
    """The stop distance ``d = max(k_stop·ATR5, max(spread, spread_floor))`` in price units."""
    floor = spread_floor_guard(spread, spread_floor)
    scaled = k_stop * as_decimal(atr5)
    return scaled if scaled > floor else floor


def warmup_stop_distance(
    spread_ticks_p95: Decimal | float,
    tick: Decimal,
    spread: Decimal,
    *,
    k_stop: Decimal,
    spread_floor: Decimal,
) -> Decimal:
    """The distance before ATR5 exists: ``max(k_stop·s_ticks_p95·tick, max(spread, spread_floor))``.

    ``spread_ticks_p95`` is the 95th percentile of the spreads (in ticks) seen so far.
    """
    floor = spread_floor_guard(spread, spread_floor)
    scaled = k_stop * as_decimal(spread_ticks_p95) * tick
    return scaled if scaled > floor else floor


def distance_for(
    atr5: Decimal | float | None,
    spread: Decimal,
    tick: Decimal,
    cfg: RiskConfig,
    *,
    spread_ticks_p95: Decimal | float | None = None,
) -> Decimal:
    """The stop distance from ATR5 when it exists, else the warm-up distance.

    Without a recorded spread percentile the current spread stands in for it.
    """
    if atr5 is not None:
        return stop_distance(atr5, spread, k_stop=cfg.k_stop, spread_floor=cfg.spread_floor)
    p95 = spread_ticks_p95 if spread_ticks_p95 is not None else spread / tick
    return warmup_stop_distance(p95, tick, spread, k_stop=cfg.k_stop, spread_floor=cfg.spread_floor)


def round_away_from(price: Decimal, entry: Decimal, tick: Decimal) -> Decimal:
    """``price`` moved onto the tick grid away from ``entry`` (a stop's distance never shrinks)."""
    rounding = ROUND_FLOOR if price <= entry else ROUND_CEILING
    return (price / tick).to_integral_value(rounding=rounding) * tick


def round_toward(price: Decimal, entry: Decimal, tick: Decimal) -> Decimal:
    """``price`` moved onto the tick grid toward ``entry`` (a target is never placed further out)."""
    rounding = ROUND_CEILING if price <= entry else ROUND_FLOOR
    return (price / tick).to_integral_value(rounding=rounding) * tick


def _side(side: PositionSide | str) -> PositionSide:
    return side if isinstance(side, PositionSide) else PositionSide(side)


def stop_price(entry: Decimal, side: PositionSide | str, distance: Decimal, tick: Decimal) -> Decimal:
    """``E − d`` (long) or ``E + d`` (short), rounded to the tick away from the entry."""
    sign = _side(side).sign
    return round_away_from(entry - sign * distance, entry, tick)


def target_price(
    entry: Decimal, side: PositionSide | str, distance: Decimal, tick: Decimal, k_tp: Decimal
) -> Decimal:
    """``E + k_tp·d`` (long) or ``E − k_tp·d`` (short), rounded to the tick toward the entry.

    A target that the rounding would pull onto the entry itself is kept one tick out (it can only
    happen when ``k_tp·d`` is under one tick), so a target is always a profit.
    """
    sign = _side(side).sign
    target = round_toward(entry + sign * k_tp * distance, entry, tick)
    if (target - entry) * sign <= _ZERO:
        target = round_away_from(entry + sign * tick, entry, tick)
    return target


def initial_levels(
    entry: Decimal,
    side: PositionSide | str,
    atr5: Decimal | float | None,
    spread: Decimal,
    tick: Decimal,
    cfg: RiskConfig,
    *,
    spread_ticks_p95: Decimal | float | None = None,
) -> tuple[Decimal, Decimal]:
    """The (stop, target) of a new position entered at ``entry`` (SPEC §1.1).

    ``atr5=None`` means fewer than 5 ATR bars: the warm-up distance applies.
    """
    distance = distance_for(atr5, spread, tick, cfg, spread_ticks_p95=spread_ticks_p95)
    return stop_price(entry, side, distance, tick), target_price(entry, side, distance, tick, cfg.k_tp)


@dataclass(frozen=True, slots=True)
class PositionState:
    """The protective levels of one open position.

    ``best_price`` is the most favourable price seen since entry (highest for a long, lowest for a
    short); ``trailing_active`` turns true once the excursion reached ``k_trail_on·d`` and stays so.
    """

    side: PositionSide
    avg_entry: Decimal
    stop: Decimal
    target: Decimal
    best_price: Decimal
    trailing_active: bool = False
    distance: Decimal = _ZERO

    def to_json(self) -> dict[str, object]:
        """JSON-able form (Decimals as strings)."""
        return {
            "side": self.side.value,
            "avg_entry": str(self.avg_entry),
            "stop": str(self.stop),
            "target": str(self.target),
            "best_price": str(self.best_price),
            "trailing_active": self.trailing_active,
            "distance": str(self.distance),
        }

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> PositionState:
        """Inverse of :meth:`to_json`."""
        return cls(
            side=PositionSide(str(raw["side"])),
            avg_entry=Decimal(str(raw["avg_entry"])),
            stop=Decimal(str(raw["stop"])),
            target=Decimal(str(raw["target"])),
            best_price=Decimal(str(raw["best_price"])),
            trailing_active=bool(raw["trailing_active"]),
            distance=Decimal(str(raw.get("distance", "0"))),
        )


def open_position_state(
    entry: Decimal,
    side: PositionSide | str,
    atr5: Decimal | float | None,
    spread: Decimal,
    tick: Decimal,
    cfg: RiskConfig,
    *,
    spread_ticks_p95: Decimal | float | None = None,
) -> PositionState:
    """The PositionState of a position just opened at ``entry``."""
    position_side = _side(side)
    distance = distance_for(atr5, spread, tick, cfg, spread_ticks_p95=spread_ticks_p95)
    return PositionState(
        side=position_side,
        avg_entry=entry,
        stop=stop_price(entry, position_side, distance, tick),
        target=target_price(entry, position_side, distance, tick, cfg.k_tp),
        best_price=entry,
        distance=distance,
    )


def _more_favourable(side: PositionSide, a: Decimal, b: Decimal) -> Decimal:
    if side is PositionSide.LONG:
        return a if a >= b else b
    return a if a <= b else b


def update_position_state(
    state: PositionState,
    atr5: Decimal | float | None,
    spread: Decimal,
    best_price: Decimal,
    tick: Decimal,
    cfg: RiskConfig,
    *,
    spread_ticks_p95: Decimal | float | None = None,
) -> PositionState:
    """The state after a new bar, a fill or a new price: never-loosening stop, trailing, target.

    The stop restarts from the average entry ``E`` with the current distance ``d_new``:
    long ``max(stop_old, E − d_new)``, short ``min(stop_old, E + d_new)``. Once the favourable
    excursion ``|best − E|`` reaches ``k_trail_on·d_new`` trailing is on and the stop follows the
    best price since entry: long ``max(stop, best − d_new)``, short ``min(stop, best + d_new)``.
    The target is recomputed from ``E`` with ``d_new``. ``best_price`` is merged with the state's.
    """
    side = state.side
    sign = side.sign
    entry = state.avg_entry
    distance = distance_for(atr5, spread, tick, cfg, spread_ticks_p95=spread_ticks_p95)
    best = _more_favourable(side, state.best_price, best_price)
    from_entry = stop_price(entry, side, distance, tick)
    stop = _more_favourable(side, state.stop, from_entry)
    trailing = state.trailing_active or (best - entry) * sign >= cfg.k_trail_on * distance
    if trailing:
        stop = _more_favourable(side, stop, round_away_from(best - sign * distance, best, tick))
    target = target_price(entry, side, distance, tick, cfg.k_tp)
    return replace(
        state, stop=stop, target=target, best_price=best, trailing_active=trailing, distance=distance
    )


def advance_trailing(state: PositionState, price: Decimal, tick: Decimal, cfg: RiskConfig) -> PositionState:
    """Between recalculations: merge a new price into the best price and trail at the state's ``d``.

    Same rule as :func:`update_position_state` with the distance of the last recalculation.
    """
    side = state.side
    best = _more_favourable(side, state.best_price, price)
    if best == state.best_price:
        return state
    sign = side.sign
    distance = state.distance
    trailing = state.trailing_active or (best - state.avg_entry) * sign >= cfg.k_trail_on * distance
    stop = state.stop
    if trailing:
        stop = _more_favourable(side, stop, round_away_from(best - sign * distance, best, tick))
    return replace(state, stop=stop, best_price=best, trailing_active=trailing)


def recalculate_stop(
    position_state: PositionState,
    atr5: Decimal | float | None,
    spread: Decimal,
    best_price: Decimal,
    tick: Decimal,
    cfg: RiskConfig,
    *,
    spread_ticks_p95: Decimal | float | None = None,
) -> Decimal:
    """The recalculated stop of a position (see :func:`update_position_state` for the rule)."""
    return update_position_state(
        position_state, atr5, spread, best_price, tick, cfg, spread_ticks_p95=spread_ticks_p95
    ).stop


def stop_hit(state: PositionState, bid: Decimal | None, ask: Decimal | None) -> bool:
    """True when the exit side of the book reached the stop (long: bid ≤ stop; short: ask ≥ stop)."""
    if state.side is PositionSide.LONG:
        return bid is not None and bid <= state.stop
    return ask is not None and ask >= state.stop


def target_hit(state: PositionState, bid: Decimal | None, ask: Decimal | None) -> bool:
    """True when the exit side of the book reached the target (long: bid ≥ target; short: ask ≤)."""
    if state.side is PositionSide.LONG:
        return bid is not None and bid >= state.target
    return ask is not None and ask <= state.target


def level_offsets_ticks(distance: Decimal, tick: Decimal, k_tp: Decimal) -> tuple[int, int]:
    """The (stop, target) offsets in whole ticks from an entry that lies on the tick grid.

    For ``entry = E·tick``: ``stop_price(entry, side, d, tick) == (E − sign·stop)·tick`` (the stop
    is ``ceil(d / tick)`` ticks away) and ``target_price(entry, side, d, tick, k_tp) ==
    (E + sign·target)·tick`` (``floor(k_tp·d / tick)`` ticks, at least one). The engine computes
    these once per distance and prices every entry with integer arithmetic.
    """
    stop = int((distance / tick).to_integral_value(rounding=ROUND_CEILING))
    target = int((k_tp * distance / tick).to_integral_value(rounding=ROUND_FLOOR))
    return stop, target if target > 0 else 1
