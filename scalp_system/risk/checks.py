"""Pre-trade checks (SPEC §1.7): one small pure function per rule, each answering a Denial or None.

The RiskEngine composes them in a fixed order for every order it is asked to approve; a refusal is
a ``core.state.Denial`` code that the engine counts, publishes as ``OrderDenied`` and audits. The
sliding windows here also serve the reject-rate breaker.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from scalp_system.core.instrument import Instrument
from scalp_system.core.money import MoneyError, decimal_to_ticks
from scalp_system.core.state import Denial

# SecurityTradingStatus values (reference/tinkoff-invest-api.md) that allow limit orders.
NORMAL_TRADING = 5
DEALER_NORMAL_TRADING = 14


def price_on_tick(price: Decimal, tick: Decimal) -> bool:
    """True when ``price`` is a whole multiple of ``tick``."""
    return (price / tick) == (price / tick).to_integral_value()


def limit_price_ticks(price: Decimal, instrument: Instrument) -> int | Denial:
    """A Decimal limit price as ticks of the instrument, or PRICE_OFF_TICK / PRICE_OUTSIDE_BAND."""
    if price <= 0:
        return Denial.PRICE_OUTSIDE_BAND
    try:
        return decimal_to_ticks(price, instrument.tick)
    except MoneyError:
        return Denial.PRICE_OFF_TICK


def check_quantity(lots: int) -> Denial | None:
    """A quantity must be a positive whole number of lots."""
    if not isinstance(lots, int) or isinstance(lots, bool) or lots <= 0:
        return Denial.QUANTITY_NOT_POSITIVE
    return None


def check_instrument_tradable(
    instrument: Instrument,
    trading_status: int,
    limit_order_available: bool,
    *,
    allow_dealer_trading: bool,
) -> Denial | None:
    """The instrument's ``api_trade_available_flag`` and trading status must allow limit orders.

    Allowed statuses: NORMAL_TRADING, or DEALER_NORMAL_TRADING when ``allow_dealer_trading``.
    """
    if not instrument.api_trade_available:
        return Denial.INSTRUMENT_NOT_API_TRADABLE
    allowed = trading_status == NORMAL_TRADING or (
        allow_dealer_trading and trading_status == DEALER_NORMAL_TRADING
    )
    if not allowed or not limit_order_available:
        return Denial.INSTRUMENT_STATUS_NOT_TRADING
    return None


def check_price_band(
    price_ticks: int, limit_down_ticks: int | None, limit_up_ticks: int | None
) -> Denial | None:
    """The limit price must lie inside the exchange's ``limit_down``/``limit_up`` band (when known)."""
    if price_ticks <= 0:
        return Denial.PRICE_OUTSIDE_BAND
    if limit_down_ticks is not None and price_ticks < limit_down_ticks:
        return Denial.PRICE_OUTSIDE_BAND
    if limit_up_ticks is not None and price_ticks > limit_up_ticks:
        return Denial.PRICE_OUTSIDE_BAND
    return None


def check_short(instrument: Instrument, lots_before: int, lots_after: int) -> Denial | None:
    """A sale that opens or grows a short needs the instrument's ``short_enabled_flag``."""
    if lots_after < 0 and lots_after < lots_before and not instrument.short_enabled:
        return Denial.SHORT_NOT_ENABLED
    return None


def check_exposure(
    *,
    order_notional: Decimal,
    instrument_notional_after: Decimal,
    gross_notional_after: Decimal,
    position_lots_after: int,
    max_position_lots: int,
    max_notional_per_order: Decimal,
    max_notional_per_instrument: Decimal,
    max_gross_notional: Decimal,
) -> Denial | None:
    """Position lots, notional per order, per instrument and gross must stay within their limits."""
    if abs(position_lots_after) > max_position_lots:
        return Denial.POSITION_MAX_LOTS
    if order_notional > max_notional_per_order:
        return Denial.NOTIONAL_PER_ORDER
    if instrument_notional_after > max_notional_per_instrument:
        return Denial.NOTIONAL_PER_INSTRUMENT
    if gross_notional_after > max_gross_notional:
        return Denial.NOTIONAL_GROSS
    return None


def check_cash(buy_notional: Decimal, free_cash: Decimal | None) -> Denial | None:
    """A buy must be covered by free cash (unknown cash is not checked)."""
    if free_cash is not None and buy_notional > free_cash:
        return Denial.CASH_INSUFFICIENT
    return None


class SlidingWindow:
    """Timestamps within the last ``window_ns``: order rate and reject rate counting."""

    __slots__ = ("_times", "window_ns")

    def __init__(self, window_ns: int) -> None:
        self.window_ns = window_ns
        self._times: deque[int] = deque()

    def count(self, now_ns: int) -> int:
        """How many recorded times are newer than ``now_ns − window_ns``."""
        horizon = now_ns - self.window_ns
        times = self._times
        while times and times[0] <= horizon:
            times.popleft()
        return len(times)

    def add(self, now_ns: int) -> int:
        """Record one occurrence at ``now_ns``; returns the count in the window including it."""
        self._times.append(now_ns)
        return self.count(now_ns)

    def record(self, now_ns: int) -> None:
        """Record one occurrence at ``now_ns`` without counting (old ones go at the next count)."""
        self._times.append(now_ns)

    def clear(self) -> None:
        """Forget every occurrence."""
        self._times.clear()

    def to_json(self) -> list[int]:
        """The recorded times (for snapshots)."""
        return list(self._times)

    def load(self, times: list[int]) -> None:
        """Replace the recorded times (restore)."""
        self._times = deque(int(t) for t in times)
